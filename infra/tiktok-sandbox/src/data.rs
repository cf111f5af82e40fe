//! The seeded synthetic data set behind the Display and Research APIs: creators and thousands
//! of videos over the last 60 days, generated deterministically from a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::creators::{self, Creator};

const DAY: i64 = 86_400;
const SPAN_DAYS: i64 = 60;
const OTHER_USERS: usize = 300;

/// Ten topics of six hashtags; `ranked_hashtags` orders them by popularity.
const TOPICS: [[&str; 6]; 10] = [
    ["fyp", "foryou", "viral", "trending", "dayinmylife", "vlog"],
    ["food", "recipe", "foodtok", "cooking", "easyrecipe", "baking"],
    ["travel", "wanderlust", "traveltok", "beach", "roadtrip", "hiking"],
    ["fitness", "gym", "workout", "fittok", "yoga", "running"],
    ["fashion", "ootd", "style", "thrift", "streetwear", "makeup"],
    ["tech", "coding", "ai", "gadgets", "programming", "desksetup"],
    ["music", "singing", "guitar", "cover", "newmusic", "dance"],
    ["comedy", "funny", "prank", "skit", "relatable", "memes"],
    ["pets", "dogsoftiktok", "catsoftiktok", "puppy", "animals", "petcare"],
    ["learnontiktok", "booktok", "history", "science", "studytok", "languages"],
];

const PHRASES: [[&str; 3]; 10] = [
    ["A day in my life", "Come along with me", "This went better than expected"],
    ["Dinner in 15 minutes", "Grandma's secret recipe", "Baking bread at home"],
    ["Hidden beach nobody knows", "Three days on the road", "Sunrise hike worth it"],
    ["Leg day routine", "Morning yoga flow", "5k personal best"],
    ["Outfit of the day", "Thrift haul under 20", "Styling one jacket five ways"],
    ["My desk setup tour", "Coding a game in one hour", "This AI tool saves me hours"],
    ["Acoustic cover tonight", "New song snippet", "Learning this dance"],
    ["When your friend says", "POV the group chat", "Pranking my roommate"],
    ["My dog learned a trick", "Cat vs cucumber", "First day home puppy"],
    ["Three books that changed me", "History in 60 seconds", "Study with me"],
];

const REGIONS: [(&str, u32); 10] = [
    ("US", 35),
    ("GB", 10),
    ("DE", 7),
    ("FR", 6),
    ("BR", 9),
    ("MX", 7),
    ("ID", 8),
    ("JP", 6),
    ("CA", 6),
    ("AU", 6),
];

#[derive(Debug, Clone, Serialize)]
pub struct Video {
    pub id: u64,
    pub username: String,
    /// Videos of private creators are absent from the Research API.
    pub private: bool,
    pub create_time: i64,
    pub region_code: &'static str,
    pub title: String,
    pub video_description: String,
    pub hashtag_names: Vec<&'static str>,
    pub duration: u32,
    pub view_count: u64,
    pub like_count: u64,
    pub comment_count: u64,
    pub share_count: u64,
}

#[derive(Debug, Serialize)]
pub struct Dataset {
    pub seed: u64,
    pub generated_at: i64,
    pub creators: Vec<Creator>,
    pub hashtags: Vec<&'static str>,
    pub videos: Vec<Video>,
}

impl Dataset {
    pub fn generate(seed: u64, size: usize, now_secs: i64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let creators = creators::seeded(&mut rng);
        let hashtags = ranked_hashtags();
        let zipf = Zipf::new(hashtags.len(), 1.07);
        let mut videos: Vec<Video> = (0..size)
            .map(|i| {
                // About a fifth of all videos belong to the seeded creators.
                let creator = if rng.random_bool(0.2) { Some(&creators[i % creators.len()]) } else { None };
                let mut video = synth_video(&mut rng, &hashtags, &zipf, creator, now_secs);
                video.id = 7_300_000_000_000_000_000 + (i as u64) * 10_007 + rng.random_range(0..10_007);
                video
            })
            .collect();
        videos.sort_by_key(|v| (v.username.clone(), std::cmp::Reverse(v.create_time)));
        // The Display API pages by create_time: keep it unique per creator.
        for i in 1..videos.len() {
            if videos[i].username == videos[i - 1].username
                && videos[i].create_time >= videos[i - 1].create_time
            {
                videos[i].create_time = videos[i - 1].create_time - 1;
            }
        }
        videos.sort_by_key(|v| (v.create_time, v.id));
        // Appended last, from their own generator: the seeded creators and
        // videos above are the same with or without the pool.
        let mut creators = creators;
        creators.extend(creators::pool(seed, creators::POOL_SIZE));
        creators.extend(creators::studios(seed, creators::STUDIO_SIZE));
        Self { seed, generated_at: now_secs, creators, hashtags, videos }
    }

    pub fn creator_by_open_id(&self, open_id: &str) -> Option<&Creator> {
        self.creators.iter().find(|c| c.open_id == open_id)
    }

    pub fn creator_by_username(&self, username: &str) -> Option<&Creator> {
        self.creators.iter().find(|c| c.username == username)
    }
}

fn ranked_hashtags() -> Vec<&'static str> {
    (0..6).flat_map(|j| TOPICS.iter().map(move |topic| topic[j])).collect()
}

fn topic_of(tag: &str) -> usize {
    TOPICS.iter().position(|t| t.contains(&tag)).unwrap_or(0)
}

fn synth_video(
    rng: &mut StdRng,
    ranked: &[&'static str],
    zipf: &Zipf,
    creator: Option<&Creator>,
    now: i64,
) -> Video {
    let primary = match creator {
        Some(c) if rng.random_bool(0.6) => TOPICS[c.topic][rng.random_range(0..6)],
        _ => ranked[zipf.sample(rng)],
    };
    let topic = topic_of(primary);
    let mut tags = vec![primary];
    if rng.random_bool(0.08) {
        tags.clear();
    } else {
        for _ in 0..rng.random_range(0..=3) {
            let tag = if rng.random_bool(0.75) {
                TOPICS[topic][rng.random_range(0..6)]
            } else {
                ranked[zipf.sample(rng)]
            };
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
    }
    let phrase = PHRASES[topic][rng.random_range(0..3)];
    let other = PHRASES[topic][rng.random_range(0..3)];
    let tag_text: Vec<String> = tags.iter().map(|t| format!("#{t}")).collect();
    let title = format!("{phrase} {}", tag_text.join(" ")).trim().to_string();
    let video_description = format!("{phrase}. {other}! {}", tag_text.join(" ")).trim().to_string();

    let boost = if creator.is_some() { 0.8 } else { 0.0 };
    let view_count = lognormal(rng, 7.2 + boost, 2.1).min(4.0e8) as u64;
    let like_count = (view_count as f64 * lognormal(rng, (0.06f64).ln(), 0.5).min(0.5)) as u64;
    let comment_count = (like_count as f64 * lognormal(rng, (0.03f64).ln(), 0.6).min(0.5)) as u64;
    let share_count = (like_count as f64 * lognormal(rng, (0.04f64).ln(), 0.8).min(0.8)) as u64;

    Video {
        id: 0,
        username: match creator {
            Some(c) => c.username.clone(),
            None => format!("user_{:04}", rng.random_range(0..OTHER_USERS)),
        },
        private: creator.is_some_and(|c| c.private),
        create_time: synth_time(rng, now),
        region_code: pick_region(rng),
        title,
        video_description,
        hashtag_names: tags,
        duration: (5.0 + lognormal(rng, 3.0, 0.7)).min(600.0) as u32,
        view_count,
        like_count,
        comment_count,
        share_count,
    }
}

/// Uniform over the last 60 days, with more posts in the (UTC) evening.
fn synth_time(rng: &mut StdRng, now: i64) -> i64 {
    const HOUR_WEIGHTS: [u32; 24] =
        [3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 7, 7, 7, 8, 9, 10, 12, 13, 13, 11, 8, 5];
    let total: u32 = HOUR_WEIGHTS.iter().sum();
    let mut pick = rng.random_range(0..total);
    let hour = HOUR_WEIGHTS
        .iter()
        .position(|&w| {
            if pick < w {
                return true;
            }
            pick -= w;
            false
        })
        .unwrap_or(20) as i64;
    let day_start = (now / DAY - rng.random_range(0..SPAN_DAYS)) * DAY;
    let t = day_start + hour * 3600 + rng.random_range(0..3600);
    if t > now {
        t - DAY
    } else {
        t
    }
}

fn pick_region(rng: &mut StdRng) -> &'static str {
    let total: u32 = REGIONS.iter().map(|r| r.1).sum();
    let mut pick = rng.random_range(0..total);
    for (code, weight) in REGIONS {
        if pick < weight {
            return code;
        }
        pick -= weight;
    }
    "US"
}

fn lognormal(rng: &mut StdRng, mu: f64, sigma: f64) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
    (mu + sigma * normal).exp()
}

/// Zipf-distributed ranks 0..n.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / (rank as f64).powf(exponent);
                total
            })
            .collect();
        Self { cumulative }
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.random::<f64>() * total;
        self.cumulative.partition_point(|&c| c < x).min(self.cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let a = Dataset::generate(7, 500, 1_800_000_000);
        let b = Dataset::generate(7, 500, 1_800_000_000);
        assert_eq!(serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
    }

    #[test]
    fn videos_span_sixty_days_with_heavy_tailed_views() {
        let now = 1_800_000_000;
        let data = Dataset::generate(42, 5000, now);
        assert!(data.videos.iter().all(|v| v.create_time <= now && v.create_time > now - 61 * DAY));
        let mut views: Vec<u64> = data.videos.iter().map(|v| v.view_count).collect();
        views.sort_unstable();
        let median = views[views.len() / 2];
        assert!(views[views.len() - 1] > median * 100, "heavy tail expected");
        assert!(data.hashtags.len() >= 50);
        assert!(data.creators.iter().any(|c| c.private) && data.creators.iter().any(|c| !c.private));
    }

    #[test]
    fn the_pool_and_the_studios_add_distinct_creators_without_videos() {
        let data = Dataset::generate(42, 2000, 1_800_000_000);
        let pool: Vec<_> = data.creators.iter().filter(|c| c.username.starts_with("pool_")).collect();
        assert_eq!(pool.len(), crate::creators::POOL_SIZE);
        let studios: Vec<_> = data.creators.iter().filter(|c| c.username.starts_with("studio_")).collect();
        assert_eq!(studios.len(), crate::creators::STUDIO_SIZE);
        assert_eq!(
            data.creators.len(),
            6 + pool.len() + studios.len(),
            "the six seeded creators come first, unchanged"
        );
        assert!(studios.iter().all(|c| c.private
            && c.privacy_level_options == crate::creators::PRIVATE_OPTIONS
            && c.duet_disabled
            && c.stitch_disabled
            && data.videos.iter().all(|v| v.username != c.username)));
        let mut open_ids: Vec<_> = data.creators.iter().map(|c| c.open_id.as_str()).collect();
        open_ids.sort_unstable();
        open_ids.dedup();
        assert_eq!(open_ids.len(), data.creators.len(), "every open_id is its own");
        assert!(pool.iter().all(|c| !c.private && data.videos.iter().all(|v| v.username != c.username)));
        assert!(data.creator_by_username("pool_07").is_some());
    }
}

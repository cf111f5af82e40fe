//! The seeded sandbox creators: who can connect, and what creator_info says about each.

use rand::rngs::StdRng;
use rand::Rng;
use serde::Serialize;

pub const PUBLIC_OPTIONS: [&str; 4] =
    ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"];
pub const PRIVATE_OPTIONS: [&str; 2] = ["SELF_ONLY", "FOLLOWER_OF_CREATOR"];

#[derive(Debug, Clone, Serialize)]
pub struct Creator {
    pub open_id: String,
    pub union_id: String,
    pub username: String,
    pub display_name: String,
    pub avatar_url: String,
    pub private: bool,
    pub privacy_level_options: Vec<&'static str>,
    pub comment_disabled: bool,
    pub duet_disabled: bool,
    pub stitch_disabled: bool,
    pub max_video_post_duration_sec: u32,
    /// The topic most of this creator's seeded videos are about.
    pub topic: usize,
}

/// (username, display name, private, comment/duet/stitch disabled, max duration, topic)
type Seed = (&'static str, &'static str, bool, [bool; 3], u32, usize);

const SEEDS: [Seed; 6] = [
    ("sandbox_creator", "Sandbox Creator", false, [false, false, false], 600, 0),
    ("chef_maria", "Chef Maria", false, [false, true, false], 600, 1),
    ("travel_tom", "Travel Tom", false, [false, false, false], 180, 2),
    ("fit_with_lee", "Fit with Lee", false, [true, false, false], 300, 3),
    ("quiet_studio", "Quiet Studio", true, [false, false, false], 600, 5),
    ("private_pat", "Private Pat", true, [false, true, true], 60, 6),
];

/// The username `authorize` consents as when no `sandbox_user` is given.
pub const DEFAULT_CREATOR: &str = "sandbox_creator";

/// How many pool creators (`pool_01` ...) the sandbox offers.
pub const POOL_SIZE: usize = 40;

/// Public creators without seeded videos, `pool_01` to `pool_{size}`, for
/// tests and load runs that each need an account no other run touches
/// (rate limits, daily caps and faults are per creator).
pub fn pool(seed: u64, size: usize) -> Vec<Creator> {
    numbered(seed ^ 0x706f_6f6c, size, |n| {
        let username = format!("pool_{n:02}");
        (username, format!("Pool Creator {n}"), false, [false, false, false], 600)
    })
}

/// How many private studio creators (`studio_01` ...) the sandbox offers.
pub const STUDIO_SIZE: usize = 8;

/// Private creators without seeded videos, `studio_01` to `studio_{size}`:
/// only "followers" or "only me", no duet or stitch, videos up to two
/// minutes. A browser test connects one through the consent page and
/// composes under these restrictions without taking a seeded private
/// creator (`private_pat`) another test holds.
pub fn studios(seed: u64, size: usize) -> Vec<Creator> {
    numbered(seed ^ 0x7374_7564_696f, size, |n| {
        (format!("studio_{n:02}"), format!("Studio {n}"), true, [false, true, true], 120)
    })
}

/// (username, display name, private, comment/duet/stitch disabled, max duration)
type Numbered = (String, String, bool, [bool; 3], u32);

/// Creators 1..=size from their own generator (so adding a family changes
/// no other creator's ids), without seeded videos.
fn numbered(seed: u64, size: usize, shape: impl Fn(usize) -> Numbered) -> Vec<Creator> {
    use rand::SeedableRng;
    let mut rng = StdRng::seed_from_u64(seed);
    (1..=size)
        .map(|n| {
            let (username, display_name, private, switches, max_duration) = shape(n);
            creator(&mut rng, username, display_name, private, switches, max_duration, 0)
        })
        .collect()
}

pub fn seeded(rng: &mut StdRng) -> Vec<Creator> {
    SEEDS
        .iter()
        .map(|&(username, display_name, private, switches, max_duration, topic)| {
            creator(rng, username.to_owned(), display_name.to_owned(), private, switches, max_duration, topic)
        })
        .collect()
}

/// One creator; its ids are the generator's next two draws.
fn creator(
    rng: &mut StdRng,
    username: String,
    display_name: String,
    private: bool,
    [comment, duet, stitch]: [bool; 3],
    max_duration: u32,
    topic: usize,
) -> Creator {
    let open_id_bytes: [u8; 16] = rng.random();
    let union_id_bytes: [u8; 16] = rng.random();
    Creator {
        open_id: format!("-000{}", hex::encode(open_id_bytes)),
        union_id: format!("c9{}", hex::encode(union_id_bytes)),
        avatar_url: format!("https://p16-sign.tiktokcdn.com/sandbox/{username}.jpeg"),
        username,
        display_name,
        private,
        privacy_level_options: if private { PRIVATE_OPTIONS.to_vec() } else { PUBLIC_OPTIONS.to_vec() },
        comment_disabled: comment,
        duet_disabled: duet,
        stitch_disabled: stitch,
        max_video_post_duration_sec: max_duration,
        topic,
    }
}

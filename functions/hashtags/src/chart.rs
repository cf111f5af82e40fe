//! The picture of an analysis as SVG (plotters' SVG backend): daily volume
//! as bars on top, the weekday × hour heatmap of median engagement rate
//! below, with a header that says what the picture is — readable without
//! the JSON. Every text drawn is a parsed value or a number, so nothing a
//! caller sent can become markup.

use plotters::prelude::*;

use crate::analysis::Analysis;
use crate::metrics::HeatCell;
use foundation::time_format::iso_date;

const WIDTH: u32 = 960;
const HEIGHT: u32 = 680;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, thiserror::Error)]
#[error("chart could not be drawn: {0}")]
pub struct ChartError(String);

fn failed<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

/// The SVG document.
pub fn render_svg(analysis: &Analysis) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (header, body) = root.split_vertically(64);
        draw_header(&header, analysis)?;
        let (volume, heat) = body.split_vertically(260);
        draw_volume(&volume, analysis)?;
        draw_heatmap(&heat, analysis)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    a: &Analysis,
) -> Result<(), ChartError> {
    let m = &a.metrics;
    let title = format!(
        "#{} — {} source, {} to {} ({} days){}",
        a.tag,
        a.source,
        iso_date(a.window.start()),
        iso_date(a.window.end()),
        a.window.days(),
        a.region.as_ref().map(|r| format!(", region {}", r.as_str())).unwrap_or_default()
    );
    let mut facts = format!(
        "{} videos · median views {} · median engagement rate {}",
        m.sample.videos,
        m.views.median.map_or("n/a".into(), |v| format!("{v:.0}")),
        percent(m.engagement.median)
    );
    if m.sample.small {
        facts.push_str(" · SMALL SAMPLE");
    }
    if a.partial {
        facts.push_str(" · PARTIAL DATA");
    }
    area.draw(&Text::new(title, (16, 10), ("sans-serif", 22).into_font().color(&BLACK))).map_err(failed)?;
    area.draw(&Text::new(facts, (16, 38), ("sans-serif", 15).into_font().color(&RGBColor(80, 80, 80))))
        .map_err(failed)?;
    Ok(())
}

fn draw_volume<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    a: &Analysis,
) -> Result<(), ChartError> {
    let daily = &a.metrics.daily;
    let days = daily.len().max(1) as f64;
    let top = daily.iter().map(|d| d.videos).max().unwrap_or(0).max(1) as f64 * 1.1;
    let mut chart = ChartBuilder::on(area)
        .caption("Videos per day (UTC)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d(0f64..days, 0f64..top)
        .map_err(failed)?;
    let label = |x: &f64| {
        daily.get(*x as usize).map(|d| d.date.get(5..).unwrap_or(&d.date).to_owned()).unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(daily.len().min(15))
        .x_label_formatter(&label)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(failed)?;
    chart
        .draw_series(daily.iter().enumerate().map(|(i, d)| {
            let x = i as f64;
            Rectangle::new([(x + 0.15, 0.0), (x + 0.85, d.videos as f64)], RGBColor(37, 99, 235).filled())
        }))
        .map_err(failed)?;
    Ok(())
}

fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    a: &Analysis,
) -> Result<(), ChartError> {
    let heat = &a.metrics.heatmap;
    // Small cells are noisy: the colour scale follows the cells with enough videos.
    let scale_of = |cells: &mut dyn Iterator<Item = &HeatCell>| {
        cells.filter_map(|c| c.median_engagement_rate).fold(0.0f64, f64::max)
    };
    let max_rate = match scale_of(&mut heat.cells.iter().filter(|c| !c.small_sample)) {
        m if m > 0.0 => m,
        _ => scale_of(&mut heat.cells.iter()),
    };
    let caption = format!(
        "Median engagement rate by posting time (UTC; darker is higher, max {}; pale: under {} videos)",
        percent(Some(max_rate)),
        heat.min_videos_per_cell
    );
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 15))
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .build_cartesian_2d((0i32..23).into_segmented(), (0i32..6).into_segmented())
        .map_err(failed)?;
    // Labels sit at the centre of each hour column and weekday row (Monday on top).
    let centre = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => Some(*i),
        _ => None,
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(24)
        .x_label_formatter(&|v| centre(v).map(|h| format!("{h}h")).unwrap_or_default())
        .y_labels(7)
        .y_label_formatter(&|v| {
            let row = centre(v).and_then(|d| usize::try_from(6 - d).ok());
            row.and_then(|r| WEEKDAYS.get(r)).map(|s| (*s).to_owned()).unwrap_or_default()
        })
        .draw()
        .map_err(failed)?;
    chart.draw_series(heat.cells.iter().map(|c| cell(c, max_rate))).map_err(failed)?;
    for best in &heat.best_windows {
        let [from, to] = cell_corners(best);
        chart
            .draw_series(std::iter::once(Rectangle::new([from, to], BLACK.stroke_width(2))))
            .map_err(failed)?;
    }
    Ok(())
}

type Segment = SegmentValue<i32>;

/// The corners of a cell: hour across, weekday down from Monday.
fn cell_corners(c: &HeatCell) -> [(Segment, Segment); 2] {
    let (x, y) = (i32::from(c.hour), 6 - i32::from(c.weekday));
    [
        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
    ]
}

/// One heatmap cell: grey without data, pale for small samples.
fn cell(c: &HeatCell, max_rate: f64) -> Rectangle<(Segment, Segment)> {
    let color = match c.median_engagement_rate {
        None => RGBColor(235, 235, 235),
        Some(rate) => {
            let t = if max_rate > 0.0 { (rate / max_rate).clamp(0.0, 1.0) } else { 0.0 };
            let t = if c.small_sample { t * 0.35 } else { t };
            let lerp = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
            RGBColor(lerp(239.0, 180.0), lerp(246.0, 20.0), lerp(255.0, 90.0))
        }
    };
    Rectangle::new(cell_corners(c), color.filled())
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("n/a".into(), |r| format!("{:.2}%", r * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Summary;
    use crate::metrics::{compute, Baseline, MetricsInput};
    use crate::request::Source;
    use crate::resilience::CallStats;
    use crate::tag::Hashtag;
    use crate::video::Video;
    use crate::window::Window;

    fn analysis(videos: &[Video]) -> Analysis {
        let tag = Hashtag::parse("fyp").expect("tag");
        let window = Window::ending(time::macros::date!(2025 - 03 - 30), 7).expect("window");
        let baseline = Baseline::of(videos);
        let now = window.end_ts_exclusive();
        let metrics = compute(&MetricsInput { videos, tag: &tag, window, baseline: &baseline, now });
        Analysis {
            tag,
            source: Source::Research,
            window,
            region: None,
            account_id: None,
            computed_at: String::new(),
            computed_at_unix: now,
            partial: videos.is_empty(),
            partial_reasons: Vec::new(),
            reauth_accounts: Vec::new(),
            quota: None,
            fetch: CallStats::default(),
            metrics,
            summary: Summary::Disabled,
        }
    }

    #[test]
    fn empty_and_busy_analyses_both_draw() {
        let empty = render_svg(&analysis(&[])).expect("empty draws");
        assert!(
            empty.contains("0 videos") && empty.contains("PARTIAL DATA") && empty.contains("SMALL SAMPLE")
        );
        let start = Window::ending(time::macros::date!(2025 - 03 - 30), 7).expect("window").start_ts();
        let videos: Vec<Video> = (0..500)
            .map(|i| Video {
                id: i.to_string(),
                creator: format!("c{}", i % 7),
                create_time: start + i * 1201,
                views: 1000 + (i as u64 * 37) % 5000,
                likes: 50 + (i as u64 * 11) % 300,
                comments: 3,
                shares: 2,
                hashtags: vec![Hashtag::parse("fyp").expect("tag")],
            })
            .collect();
        let busy = render_svg(&analysis(&videos)).expect("busy draws");
        assert!(busy.starts_with("<svg") && busy.contains("500 videos") && busy.contains("Mon"));
        assert!(!busy.contains("PARTIAL"));
    }
}

//! Order statistics used by every metric.

/// The `p` quantile (0..=1) of sorted values, linearly interpolated between
/// the closest ranks (h = (n - 1) p; Hyndman–Fan type 7, numpy's default);
/// `None` for no values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let lower = h.floor() as usize;
    let upper = (lower + 1).min(last);
    let (lo, hi) = (*sorted.get(lower)?, *sorted.get(upper)?);
    Some(lo + (h - lower as f64) * (hi - lo))
}

/// Sorts in place (total order; NaN never occurs here) and returns the quantiles asked for.
pub fn quantiles<const N: usize>(values: &mut [f64], ps: [f64; N]) -> [Option<f64>; N] {
    values.sort_unstable_by(f64::total_cmp);
    ps.map(|p| quantile_sorted(values, p))
}

/// Median and p90 of counts.
pub fn median_p90(values: &mut [f64]) -> (Option<f64>, Option<f64>) {
    let [median, p90] = quantiles(values, [0.5, 0.9]);
    (median, p90)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        assert_eq!(quantile_sorted(&[], 0.5), None);
        assert_eq!(quantile_sorted(&[7.0], 0.9), Some(7.0));
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        // h = 9 * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9)
        let p90 = quantile_sorted(&ten, 0.9).expect("some");
        assert!((p90 - 9.1).abs() < 1e-12);
        let mut values = vec![5.0, 1.0, 3.0];
        assert_eq!(median_p90(&mut values), (Some(3.0), Some(4.6)));
    }
}

//! The calibration test: predicted against true weighted recall on exam day, for a learner
//! whose memory is not the scheduler's model, at a short and a generous daily budget.

use super::*;

/// 470 new cards in five domains shaped like AZ-400 (12.5 / 12.5 / 52.5 / 12.5 / 7.5 percent).
fn setup(budget_minutes: f64, refit: bool, seed: u64) -> Setup {
    let weights = [12.5, 12.5, 52.5, 12.5, 7.5];
    let notes = [60, 60, 250, 60, 40];
    let cards = crate::sched::queue::new_cards_by_domain(&notes);
    Setup {
        cards,
        domains: weights
            .iter()
            .zip(notes)
            .map(|(&weight, n)| DomainInput {
                weight,
                notes: n as usize,
            })
            .collect(),
        days: 60,
        budget_seconds: budget_minutes * 60.0,
        limits: Limits {
            new_per_day: 20,
            max_new_per_day: 100,
            reviews_per_day: 200,
        },
        refit,
        seed,
    }
}

/// Over four seeds: mean (predicted − true), mean and largest |predicted − true|, fewest fits.
fn errors(minutes: f64, refit: bool) -> (f64, f64, f64, usize) {
    let learner = Learner::forgetful(0);
    let runs: Vec<Outcome> = (1..=4)
        .map(|seed| run(&setup(minutes, refit, seed), &learner).unwrap())
        .collect();
    let n = runs.len() as f64;
    let gaps: Vec<f64> = runs.iter().map(|o| o.predicted - o.truth).collect();
    (
        gaps.iter().sum::<f64>() / n,
        gaps.iter().map(|g| g.abs()).sum::<f64>() / n,
        gaps.iter().map(|g| g.abs()).fold(0.0, f64::max),
        runs.iter().map(|o| o.fits).min().unwrap_or(0),
    )
}

#[test]
fn readiness_matches_the_learners_true_recall_once_parameters_are_fitted() {
    // (minutes a day, the largest error allowed for any one seed after fitting)
    for (minutes, worst_allowed) in [(5.0, 0.05), (20.0, 0.03)] {
        let (bias, before, _, fits) = errors(minutes, false);
        assert_eq!(fits, 0);
        // The default model overrates this learner.
        assert!(bias > 0.01, "{minutes} min a day: bias {bias:.3}");
        let (_, after, worst, fits) = errors(minutes, true);
        assert!(fits >= 1);
        assert!(
            after < 0.03,
            "{minutes} min a day: mean error {after:.3} after fitting ({before:.3} before)"
        );
        assert!(
            worst < worst_allowed,
            "{minutes} min a day: worst seed {worst:.3} after fitting"
        );
        assert!(
            after < before,
            "{minutes} min a day: {after:.3} ≥ {before:.3}"
        );
        if minutes < 10.0 {
            // With a short budget the default model is off by about five points.
            assert!(before > 0.04, "{before:.3}");
        }
    }
}

//! The `skilldeck stats` dashboard: a review history built through the real binary at fixed
//! clocks, gathered from the database and drawn on ratatui's test backend at 80×24 and
//! 120×40 (with and without an exam date), the text report kept for pipes and `--plain`, and
//! one run of the real binary inside tmux that opens the dashboard and leaves it with q.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use skilldeck::app::dashboard as gather;
use skilldeck::dashboard::View;
use skilldeck::dashboard::data::Dashboard;
use skilldeck::dashboard::draw::draw;
use skilldeck::review::markdown::Palette;
use skilldeck::store::Store;

use crate::support::Env;
use crate::tui::{send, start_command_in_tmux, wait_for, wait_for_exit};

const MONO: View = View {
    deck: 0,
    palette: Palette { color: false },
};

/// The `kinds` deck studied on eleven days over six weeks, some answers forgotten; the clock
/// ends at 2026-11-25 09:00 UTC.
fn studied() -> Env {
    let mut env = Env::new();
    env.deck("kinds");
    env.run(&["build", "decks/kinds"]).ok();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    env.run(&["config", "set", "new_per_day", "4"]).ok();
    // Each answer: `b` reveals a card (or picks option b), then the rating.
    let days = [
        ("2026-10-14", "3"),
        ("2026-10-15", "31"),
        ("2026-10-17", "331"),
        ("2026-10-24", "34"),
        ("2026-10-28", "334"),
        ("2026-10-30", "13"),
        ("2026-11-02", "133"),
        ("2026-11-10", "332"),
        ("2026-11-16", "3331"),
        ("2026-11-19", "3"),
        ("2026-11-24", "313"),
    ];
    for (date, ratings) in days {
        env.now = format!("{date}T09:00:00Z");
        let input: String = ratings
            .chars()
            .cycle()
            .take(12)
            .map(|r| format!("b\n{r}\n"))
            .collect();
        env.run_input(&["review", "--plain"], &input).ok();
        // Answer times are measured and rank the next day's reviews: fix them.
        env.sql_rw()
            .execute_batch(
                "UPDATE reviews SET duration_ms = 8000;
                 UPDATE cards SET review_ms = 8000 * reps;",
            )
            .unwrap();
    }
    env.now = "2026-11-25T09:00:00Z".into();
    env
}

fn board(env: &Env) -> Dashboard {
    let store = Store::open(&env.db()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(&env.now).unwrap();
    gather(&store, now).unwrap()
}

fn render(board: &Dashboard, view: &View, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| draw(f, board, view)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn the_model_holds_the_history_built() {
    let env = studied();
    let b = board(&env);
    let reviews: i64 = env
        .sql()
        .query_row("SELECT count(*) FROM reviews", [], |r| r.get(0))
        .unwrap();
    assert!(reviews > 25, "{reviews}");
    assert_eq!(b.reviews, reviews as u64);
    assert_eq!(b.reviews_per_day.len(), 90);
    assert_eq!(
        b.reviews_per_day
            .iter()
            .map(|d| i64::from(d.count))
            .sum::<i64>(),
        reviews,
        "every review is within 90 days"
    );
    assert_eq!(b.reviews_per_day.iter().filter(|d| d.count > 0).count(), 11);
    assert_eq!(b.streak, 1, "studied yesterday, not yet today");
    assert_eq!(b.due.len(), 30);
    let recalled = b.retention_90_days.recalled.unwrap();
    assert!(recalled > 0.0 && recalled < 1.0, "{recalled}");
    assert_eq!(b.decks.len(), 1);
    assert_eq!(b.decks[0].readiness.domains.len(), 2);
    assert!(b.decks[0].projection.is_empty(), "no exam date yet");
}

#[test]
fn the_dashboard_at_80x24_and_120x40() {
    let env = studied();
    let without = board(&env);
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(&without, &MONO, w, h);
        assert!(screen.contains("Readiness · kinds"), "{screen}");
        assert!(
            screen.contains("skilldeck exam set kinds YYYY-MM-DD"),
            "{screen}"
        );
        assert!(screen.contains("Activity, 26 weeks"), "{screen}");
        insta::assert_snapshot!(format!("no_exam_{w}x{h}"), screen);
    }

    env.run(&["exam", "set", "kinds", "2026-12-20"]).ok();
    let with = board(&env);
    let points = &with.decks[0].projection;
    assert_eq!(points.len(), 26, "today to exam day");
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = render(&with, &MONO, w, h);
        assert!(
            screen.contains("Readiness · kinds · exam 12-20 (25 d)"),
            "{screen}"
        );
        assert!(screen.contains("• current pace"), "{screen}");
        assert!(screen.contains("▄ planned pace"), "{screen}");
        assert!(!screen.contains("YYYY-MM-DD"), "{screen}");
        insta::assert_snapshot!(format!("exam_{w}x{h}"), screen);
    }
}

#[test]
fn a_small_terminal_asks_to_be_enlarged_and_an_empty_database_draws() {
    let env = Env::new();
    env.run(&["config", "set", "fuzz", "off"]).ok();
    let empty = board(&env);
    assert!(empty.decks.is_empty());
    let screen = render(&empty, &MONO, 80, 24);
    assert!(screen.contains("No deck yet"), "{screen}");
    assert!(
        screen.contains("nothing due in the next 30 days"),
        "{screen}"
    );
    let small = render(&empty, &MONO, 79, 24);
    assert!(
        small.contains("at least 80×24; this one is 79×24"),
        "{small}"
    );
    assert!(!small.contains("Readiness"), "{small}");
    let short = render(&empty, &MONO, 100, 23);
    assert!(short.contains("this one is 100×23"), "{short}");
}

#[test]
fn pipes_and_plain_keep_the_text_report() {
    let env = studied();
    let piped = env.run(&["stats"]).ok();
    assert!(piped.starts_with("2026-11-25: "), "{piped}");
    assert_eq!(env.run(&["stats", "--plain"]).ok(), piped);
    let json: serde_json::Value =
        serde_json::from_str(&env.run(&["stats", "--json"]).ok()).unwrap();
    assert_eq!(json["forecast"].as_array().unwrap().len(), 14);
    let both = env.run(&["stats", "--plain", "--json"]);
    assert_eq!(both.code, 1, "{both:?}");
    assert!(
        both.stderr
            .contains("the argument '--plain' cannot be used with '--json'"),
        "{both:?}"
    );
}

/// The real binary in a real terminal: the dashboard opens, q leaves with exit code 0, the
/// terminal is back in its usual (canonical) mode and the alternate screen is gone.
#[test]
fn the_dashboard_opens_and_leaves_in_tmux() {
    let env = studied();
    // `stty -a` lists ` icanon` (not `-icanon`) once raw mode is undone.
    let args = "stats && stty -a | grep -q -- ' icanon' && echo terminal restored";
    let (socket, done, _cleanup) = start_command_in_tmux(&env, "stats", "", args);
    wait_for(&socket, |t| {
        t.contains("Readiness · kinds") && t.contains("q quit")
    });
    send(&socket, "q");
    assert_eq!(wait_for_exit(&done), "0");
    wait_for(&socket, |t| {
        t.contains("terminal restored") && !t.contains("Readiness")
    });
}

/// Colour only when wanted: with `NO_COLOR` (a palette without colour) no cell has a colour;
/// with colour the bars and series have one, and the text is the same either way.
#[test]
fn no_color_draws_the_same_text_without_colours() {
    let env = studied();
    env.run(&["exam", "set", "kinds", "2026-12-20"]).ok();
    let b = board(&env);
    let cells = |color: bool| {
        let view = View {
            deck: 0,
            palette: Palette { color },
        };
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| draw(f, &b, &view)).unwrap();
        terminal.backend().buffer().content().to_vec()
    };
    let (mono, colour) = (cells(false), cells(true));
    let reset = ratatui::style::Color::Reset;
    assert!(mono.iter().all(|c| c.fg == reset && c.bg == reset));
    assert!(colour.iter().filter(|c| c.fg != reset).count() > 50);
    let text =
        |cells: &[ratatui::buffer::Cell]| cells.iter().map(|c| c.symbol()).collect::<String>();
    assert_eq!(text(&mono), text(&colour));
}

/// A resize redraws: too small, the dashboard asks to be enlarged; large again, it is back.
/// Ctrl-C leaves with exit code 0 and the terminal restored.
#[test]
fn a_resize_redraws_and_ctrl_c_leaves_in_tmux() {
    let env = studied();
    let args = "stats && stty -a | grep -q -- ' icanon' && echo terminal restored";
    let (socket, done, _cleanup) = start_command_in_tmux(&env, "stats-resize", "", args);
    wait_for(&socket, |t| t.contains("Readiness · kinds"));
    let resize = |w: &str, h: &str| {
        let ok = std::process::Command::new("tmux")
            .args([
                "-L",
                &socket,
                "resize-window",
                "-t",
                "review",
                "-x",
                w,
                "-y",
                h,
            ])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    resize("70", "20");
    wait_for(&socket, |t| {
        t.contains("this one is 70×20") && !t.contains("Readiness")
    });
    resize("120", "40");
    wait_for(&socket, |t| {
        t.contains("Readiness · kinds") && t.lines().any(|l| l.trim_end().chars().count() > 110)
    });
    send(&socket, "C-c");
    assert_eq!(wait_for_exit(&done), "0");
    wait_for(&socket, |t| {
        t.contains("terminal restored") && !t.contains("Readiness")
    });
}

/// With two decks the footer says which one is shown, and Tab brings the other's readiness.
#[test]
fn tab_shows_the_next_deck() {
    let env = Env::new();
    env.deck("kinds");
    env.deck("one");
    env.run(&["build", "decks/kinds", "decks/one"]).ok();
    env.run(&["exam", "set", "one", "2026-12-01"]).ok();
    let b = board(&env);
    let ids: Vec<&str> = b.decks.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    let mut view = MONO;
    let first = render(&b, &view, 80, 24);
    assert!(
        first.contains(&format!("Readiness · {}", ids[0])),
        "{first}"
    );
    assert!(first.contains("Tab next deck (1 of 2)"), "{first}");
    let tab = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Tab,
        ratatui::crossterm::event::KeyModifiers::NONE,
    );
    assert!(!view.update(tab, b.decks.len()));
    let second = render(&b, &view, 80, 24);
    assert!(
        second.contains(&format!("Readiness · {}", ids[1])),
        "{second}"
    );
    assert!(second.contains("Tab next deck (2 of 2)"), "{second}");
    let one = if ids[0] == "one" { &first } else { &second };
    assert!(one.contains("exam 12-01 (6 d)"), "{one}");
    assert!(one.contains("• current pace"), "{one}");
}

//! `skilldeck export --format html`: the static site of a deck. Every page is parsed (scraper,
//! over html5ever) to check its structure for every card kind, that hostile deck text comes
//! out as text, and that every link and image resolves to a file (and anchor) of the site.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use scraper::{Html, Selector};

use crate::support::Env;

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap()
}

/// Every HTML page of a site, parsed, by file name.
fn pages(site: &Path) -> HashMap<String, Html> {
    fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, Html::parse_document(&fs::read_to_string(&p).unwrap()))
        })
        .collect()
}

fn text(page: &Html, css: &str) -> Vec<String> {
    page.select(&sel(css))
        .map(|e| e.text().collect::<String>())
        .collect()
}

/// Checks every `href` and `src` of every page: a file of the site, and an element with the
/// anchor's id in it. Web and mail links are outside the site and skipped. Returns how many
/// local links it checked.
fn assert_links_resolve(site: &Path, pages: &HashMap<String, Html>) -> usize {
    let ids = |page: &Html| -> Vec<String> {
        page.select(&sel("[id]"))
            .map(|e| e.value().attr("id").unwrap().to_owned())
            .collect()
    };
    let mut checked = 0;
    for (name, page) in pages {
        for element in page.select(&sel("[href], [src]")) {
            let link = element
                .value()
                .attr("href")
                .or(element.value().attr("src"))
                .unwrap();
            if ["http://", "https://", "mailto:"]
                .iter()
                .any(|p| link.starts_with(p))
            {
                continue;
            }
            assert!(!link.is_empty(), "{name}: an empty link");
            let (file, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if file.is_empty() { name.as_str() } else { file };
            assert!(
                site.join(target).is_file(),
                "{name}: `{link}` does not resolve"
            );
            assert!(
                !target.contains("..") && !target.starts_with('/'),
                "{name}: `{link}` leaves the site"
            );
            if !anchor.is_empty() {
                let page = pages.get(target).unwrap();
                assert!(
                    ids(page).iter().any(|id| id == anchor),
                    "{name}: `{link}`: no #{anchor} in {target}"
                );
            }
            checked += 1;
        }
    }
    checked
}

/// No script can run in a page: no `<script>`, no event-handler attribute, no `javascript:`.
fn assert_no_script(name: &str, page: &Html) {
    assert_eq!(page.select(&sel("script")).count(), 0, "{name}");
    for element in page.select(&sel("*")) {
        for (attr, value) in element.value().attrs() {
            assert!(!attr.starts_with("on"), "{name}: {attr}=\"{value}\"");
            assert!(
                !value.trim().to_ascii_lowercase().starts_with("javascript:"),
                "{name}: {attr}=\"{value}\""
            );
        }
    }
}

fn export(env: &Env, deck: &str, out: &str) -> PathBuf {
    env.run(&["export", deck, "--format", "html", "-o", out])
        .ok();
    env.path_of(out)
}

#[test]
fn the_site_shows_the_outline_and_every_card_kind() {
    let env = Env::new();
    env.deck("kinds");
    let out = env
        .run(&["export", "decks/kinds", "--format", "html", "-o", "site"])
        .ok();
    assert_eq!(
        out,
        "kinds: wrote the site site (3 pages, 10 notes, 1 media file(s)); open site/index.html\n"
    );
    let site = env.path_of("site");
    let pages = pages(&site);
    let mut names: Vec<&str> = pages.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        ["domain-build.html", "domain-watch.html", "index.html"]
    );
    for (name, page) in &pages {
        assert_no_script(name, page);
        assert_eq!(
            page.select(&sel("meta[name=viewport]")).count(),
            1,
            "{name}: readable on a phone"
        );
        assert_eq!(
            page.select(&sel("link[rel=stylesheet][href=\"style.css\"]"))
                .count(),
            1
        );
    }
    let css = fs::read_to_string(site.join("style.css")).unwrap();
    assert!(css.contains("@media (prefers-color-scheme: dark)"));
    assert!(css.contains("@media (max-width: 30rem)"));

    // The index: the outline with weights, coverage counts and links.
    let index = &pages["index.html"];
    assert_eq!(text(index, "h1"), ["Every card kind"]);
    assert_eq!(text(index, "title"), ["Every card kind"]);
    let rows: Vec<Vec<String>> = index
        .select(&sel("table.coverage tbody tr"))
        .map(|row| row.select(&sel("td")).map(|c| c.text().collect()).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["Build things", "60–80%", "7", "70.0%"],
            ["Watch things", "20–40%", "3", "30.0%"]
        ]
    );
    let skills: Vec<(String, Option<String>)> = index
        .select(&sel("ul.skills > li"))
        .map(|li| {
            let a = li.select(&sel("a")).next().unwrap();
            (
                li.text().collect(),
                a.value().attr("href").map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(skills.len(), 4);
    assert_eq!(
        skills[0],
        (
            "Trigger rules 3 notes".to_owned(),
            Some("domain-build.html#skill-triggers".to_owned())
        )
    );
    assert!(text(index, "li").iter().any(|t| t == "10 notes, 13 cards"));

    // A domain page: objectives, skills, notes.
    let build = &pages["domain-build.html"];
    assert_eq!(text(build, "h1"), ["Build things"]);
    assert_eq!(text(build, "section.objective > h2"), ["Pipelines"]);
    assert_eq!(
        text(build, "section.skill > h3"),
        ["Trigger rules 3 notes", "YAML pipelines 4 notes"]
    );
    let watch = &pages["domain-watch.html"];
    let note = |page: &Html, id: &str| -> String {
        page.select(&sel(&format!("article#note-{id}")))
            .next()
            .unwrap_or_else(|| panic!("no note {id}"))
            .html()
    };

    // Basic: the question's code highlighted, the answer.
    let basic = Html::parse_fragment(&note(build, "ci-trigger-paths"));
    assert_eq!(basic.select(&sel("article.basic")).count(), 1);
    assert_eq!(text(&basic, "h4.title"), ["What does this trigger do?"]);
    let code = basic
        .select(&sel(".question pre.code[data-lang=yaml]"))
        .next()
        .unwrap();
    assert!(code.select(&sel("span[style]")).count() > 3, "highlighted");
    assert!(
        text(&basic, ".answer")
            .concat()
            .contains("Runs CI for pushes to main")
    );

    // Reversed: marked as studied both ways, with its answer.
    let reversed = Html::parse_fragment(&note(build, "schedules-keyword"));
    assert_eq!(reversed.select(&sel("article.reversed")).count(), 1);
    assert_eq!(text(&reversed, ".kind"), ["reversed: studied both ways"]);
    assert!(
        text(&reversed, ".answer")
            .concat()
            .contains("schedules: with a cron: expression.")
    );

    // Math as TeX in a styled element; the image from the site's media folder.
    let math = Html::parse_fragment(&note(watch, "retrievability"));
    assert_eq!(
        text(&math, ".math.display"),
        [r"R(t) = \left(1 + F \cdot \frac{t}{S}\right)^{-d}"]
    );
    assert_eq!(text(&math, ".math:not(.display)"), ["S"]);
    let image = Html::parse_fragment(&note(build, "diagram"));
    let img = image.select(&sel("img")).next().unwrap();
    assert_eq!(img.value().attr("alt"), Some("Stages, jobs and steps"));
    let src = img.value().attr("src").unwrap();
    assert!(
        src.starts_with("media/kinds-") && src.ends_with("-diagram.png"),
        "{src}"
    );
    assert_eq!(
        fs::read(site.join(src)).unwrap(),
        fs::read(env.path_of("decks/kinds/media/diagram.png")).unwrap()
    );

    // Multiple choice: options in order, the right ones marked, the explanation.
    let choice = Html::parse_fragment(&note(watch, "failure-alert"));
    assert_eq!(choice.select(&sel("article.choice")).count(), 1);
    assert_eq!(choice.select(&sel("ol.options > li")).count(), 3);
    assert_eq!(
        text(&choice, "ol.options > li.correct"),
        ["✓ correct A notification subscription for failed builds"]
    );
    assert_eq!(
        text(&choice, "ol.options > li.wrong"),
        ["A branch policy", "A retention policy"]
    );
    assert!(
        text(&choice, ".explanation")
            .concat()
            .contains("Notifications tell people about events")
    );
    let two = Html::parse_fragment(&note(watch, "kql-operators"));
    assert_eq!(two.select(&sel("li.correct")).count(), 2);
    assert!(
        text(&two, ".question")
            .concat()
            .contains("A query over the requests table.")
    );

    // Cloze: every deletion shown and highlighted with its number, the hint beside it.
    let cloze = Html::parse_fragment(&note(build, "pipeline-hierarchy"));
    assert_eq!(
        text(&cloze, "mark.deletion"),
        ["1stages", "2jobs", "3steps"]
    );
    assert_eq!(text(&cloze, ".hint"), ["(hint: what runs on an agent)"]);
    assert!(!cloze.html().contains("{{c"), "{}", cloze.html());
    assert_eq!(text(&cloze, ".kind"), ["cloze: 3 card(s)"]);
    let order = Html::parse_fragment(&note(build, "job-order"));
    assert!(text(&order, ".cloze code").contains(&"${{ needs.build.result }}".to_owned()));
    assert!(text(&order, ".extra").concat().contains("dependsOn: []"));

    // Every note is on a page, once.
    let articles: usize = pages
        .values()
        .map(|p| p.select(&sel("article.note")).count())
        .sum();
    assert_eq!(articles, 10);
    let checked = assert_links_resolve(&site, &pages);
    assert!(checked > 20, "{checked} links checked");
}

const HOSTILE_NOTES: &str = r#"---
skill: s
tags: ["t\"><script>alert(1)</script>"]
---
# File

## <script>alert("title")</script> & "quotes" {#title-script}

<img src=x onerror="alert(1)"> and [a link](javascript:alert(1)) and &lt;escaped&gt; text.

---

Answer with <iframe src="https://evil.example"></iframe> and `<b>code</b>` and $a<b$.

## Pick one {#choice-script}

- [x] <script>alert("right")</script>
- [ ] "wrong" & <b>bold</b>

---

Because <style>body{display:none}</style>.

## Cloze {#cloze-script}

A {{c1::<script>alert(1)</script>::"hint" <i>}} here, and ![odd](<../media/my "odd" file's.png>).
"#;

#[test]
fn hostile_deck_text_comes_out_as_text() {
    let env = Env::new();
    let deck = env.path_of("evil");
    fs::create_dir_all(deck.join("notes")).unwrap();
    fs::create_dir_all(deck.join("media")).unwrap();
    fs::write(
        deck.join("deck.toml"),
        "id = \"evil\"\nname = \"Evil <script>alert('name')</script> \\\"deck\\\" &amp;\"\nversion = \"1<b>\"\ndescription = \"<img src=x onerror=alert(1)>\"\nauthors = [\"Mallory <m@example.org>\"]\n",
    )
    .unwrap();
    fs::write(
        deck.join("outline.toml"),
        "[[domain]]\nid = \"d\"\ntitle = \"<script>alert('domain')</script>\"\nweight_min = 100\nweight_max = 100\n[[domain.objective]]\nid = \"o\"\ntitle = \"O & \\\"o\\\"\"\nskills = [{ id = \"s\", title = \"<b>skill</b>\" }]\n",
    )
    .unwrap();
    fs::write(deck.join("notes/evil.md"), HOSTILE_NOTES).unwrap();
    fs::write(deck.join("media/my \"odd\" file's.png"), b"\x89PNG fake").unwrap();
    let check = env.run(&["check", "evil"]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    let site = export(&env, "evil", "site");
    let pages = pages(&site);
    assert_eq!(pages.len(), 2);
    for (name, page) in &pages {
        assert_no_script(name, page);
        // Markdown entities decode to text: `&lt;escaped&gt;` makes no element either.
        for tag in ["img[onerror]", "iframe", "style", "b", "i", "escaped"] {
            assert_eq!(page.select(&sel(tag)).count(), 0, "{name}: {tag}");
        }
    }
    let index = &pages["index.html"];
    assert_eq!(
        text(index, "title"),
        ["Evil <script>alert('name')</script> \"deck\" &amp;"]
    );
    assert_eq!(
        text(index, ".description"),
        ["<img src=x onerror=alert(1)>"]
    );
    assert!(text(index, "li").contains(&"by Mallory <m@example.org>".to_owned()));
    assert!(
        text(index, "li")
            .iter()
            .any(|t| t.ends_with("version 1<b>"))
    );
    let domain = &pages["domain-d.html"];
    assert_eq!(text(domain, "h1"), ["<script>alert('domain')</script>"]);
    assert_eq!(text(domain, "section.objective > h2"), ["O & \"o\""]);
    let note = |id: &str| {
        domain
            .select(&sel(&format!("#note-{id}")))
            .next()
            .unwrap()
            .text()
            .collect::<String>()
    };
    let title = note("title-script");
    assert!(
        title.contains("<script>alert(\"title\")</script> & \"quotes\""),
        "{title}"
    );
    assert!(
        title.contains("<img src=x onerror=\"alert(1)\"> and a link and <escaped> text."),
        "{title}"
    );
    assert!(
        title.contains("<iframe src=\"https://evil.example\"></iframe>"),
        "{title}"
    );
    assert!(
        title.contains("<b>code</b>") && title.contains("a<b"),
        "{title}"
    );
    assert!(
        title.contains("t\"><script>alert(1)</script>"),
        "the tag: {title}"
    );
    let choice = note("choice-script");
    assert!(
        choice.contains("✓ correct <script>alert(\"right\")</script>"),
        "{choice}"
    );
    assert!(choice.contains("\"wrong\" & <b>bold</b>"), "{choice}");
    let cloze = domain.select(&sel("#note-cloze-script")).next().unwrap();
    assert_eq!(
        cloze
            .select(&sel("mark.deletion"))
            .map(|m| m.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["1<script>alert(1)</script>"]
    );
    assert_eq!(
        cloze
            .select(&sel(".hint"))
            .map(|m| m.text().collect::<String>())
            .collect::<Vec<_>>(),
        ["(hint: \"hint\" <i>)"]
    );
    // The image with a hostile name is copied under a safe one.
    let src = cloze
        .select(&sel("img"))
        .next()
        .unwrap()
        .value()
        .attr("src")
        .unwrap()
        .to_owned();
    assert!(
        src.starts_with("media/evil-") && src.ends_with("-my__odd__file_s.png"),
        "{src}"
    );
    assert!(
        src.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c)),
        "{src}"
    );
    assert_links_resolve(&site, &pages);
}

#[test]
fn the_site_is_written_whole_or_not_at_all() {
    let env = Env::new();
    env.deck("kinds");
    env.deck("broken");
    // A deck with errors: nothing written.
    let run = env.run(&["export", "decks/broken", "--format", "html", "-o", "out"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .ends_with("error: broken: 14 error(s) found; nothing was written\n"),
        "{}",
        run.stderr
    );
    assert!(!env.path_of("out").exists());
    // A folder that is not a site skilldeck wrote is never replaced.
    fs::create_dir_all(env.path_of("mine")).unwrap();
    fs::write(env.path_of("mine/notes.txt"), "keep me").unwrap();
    let run = env.run(&["export", "decks/kinds", "--format", "html", "-o", "mine"]);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            1,
            "error: mine: already exists and is not a site skilldeck wrote; choose a new or empty folder\n"
        )
    );
    assert_eq!(
        fs::read_to_string(env.path_of("mine/notes.txt")).unwrap(),
        "keep me"
    );
    let run = env.run(&["export", "kinds", "--format", "html", "--with-scheduling"]);
    assert_eq!(run.code, 1);
    // A site is replaced by the next export of it, with nothing left beside it.
    export(&env, "decks/kinds", "site");
    let basics = env.path_of("decks/kinds/topics/basics.md");
    let text = fs::read_to_string(&basics).unwrap();
    fs::write(
        &basics,
        text.replace("It turns off CI triggers", "It switches CI triggers off"),
    )
    .unwrap();
    let site = export(&env, "decks/kinds", "site");
    let page = fs::read_to_string(site.join("domain-build.html")).unwrap();
    assert!(page.contains("It switches CI triggers off"));
    let mut names: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["decks", "mine", "site"]);
    // A deck named by id is found through the database, which is left as it was.
    env.run(&["build", "decks/kinds"]).ok();
    let before = env.dump();
    let out = env.run(&["export", "kinds", "--format", "html"]).ok();
    assert!(
        out.starts_with("kinds: wrote the site exports/kinds-0.1.0-site (3 pages"),
        "{out}"
    );
    assert!(env.path_of("exports/kinds-0.1.0-site/index.html").is_file());
    assert_eq!(env.dump(), before);
}

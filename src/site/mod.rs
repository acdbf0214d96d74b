//! A deck as a static web site (pure): `index.html` with the outline and its coverage, one page
//! per domain with its notes by objective and skill (`notes.html` for notes outside an
//! outline), and a stylesheet. Readable on a phone, light or dark as the reader's system is,
//! no script. Deck text is escaped as in the Anki export: notes go through the same renderer
//! (`note`), everything else through `escape`.

mod note;

use std::collections::HashMap;
use std::fmt::Write as _;

use rayon::prelude::*;

use crate::anki::html::escape;
use crate::app::coverage::Coverage;
use crate::deck::manifest::Manifest;
use crate::outline::Outline;
use crate::store::export::ExportNote;

/// The stylesheet every page links to.
pub const STYLESHEET: &str = include_str!("style.css");
/// Its file name in the site.
pub const STYLESHEET_NAME: &str = "style.css";
/// The folder media files go to in the site.
pub const MEDIA_DIR: &str = "media";
/// The page of notes that belong to no domain of the outline.
const OTHER_PAGE: &str = "notes.html";

/// What a site is made from.
pub struct Site<'a> {
    pub manifest: &'a Manifest,
    pub outline: Option<&'a Outline>,
    pub coverage: &'a Coverage,
    /// The deck's notes, in deck order, with their places in the outline.
    pub notes: &'a [ExportNote],
    /// For each note (by key), its images as written → their paths in the site.
    pub media: &'a HashMap<i64, HashMap<String, String>>,
    pub cards: usize,
}

/// The page of a domain.
pub fn domain_page(id: &str) -> String {
    format!("domain-{id}.html")
}

impl Site<'_> {
    /// Every page: (file name, HTML).
    pub fn pages(&self) -> Vec<(String, String)> {
        let no_media = HashMap::new();
        let articles: HashMap<i64, String> = self
            .notes
            .par_iter()
            .map(|n| {
                let media = self.media.get(&n.pk).unwrap_or(&no_media);
                (n.pk, note::article(n, media))
            })
            .collect();
        let mut pages = vec![("index.html".to_owned(), self.index())];
        let in_outline = |n: &ExportNote| n.place.is_some();
        if let Some(outline) = self.outline {
            for (d, domain) in outline.domains.iter().enumerate() {
                pages.push((domain_page(&domain.id), self.domain(outline, d, &articles)));
            }
        }
        if self.notes.iter().any(|n| !in_outline(n)) {
            let mut body = String::from("<h1>Notes</h1>\n");
            for n in self.notes.iter().filter(|n| !in_outline(n)) {
                body.push_str(articles.get(&n.pk).map_or("", String::as_str));
            }
            pages.push((OTHER_PAGE.to_owned(), self.page("Notes", &body)));
        }
        pages
    }

    /// A whole page around `body`.
    fn page(&self, title: &str, body: &str) -> String {
        let name = escape(&self.manifest.name);
        let title = if title.is_empty() {
            name.clone()
        } else {
            format!("{} · {name}", escape(title))
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"color-scheme\" content=\"light dark\">\n\
             <title>{title}</title>\n<link rel=\"stylesheet\" href=\"{STYLESHEET_NAME}\">\n</head>\n\
             <body>\n<header class=\"site\"><a href=\"index.html\">{name}</a> \
             <span class=\"version\">version {}</span></header>\n<main>\n{body}</main>\n\
             <footer class=\"site\">Made with skilldeck from the deck's Markdown.</footer>\n</body>\n</html>\n",
            escape(&self.manifest.version)
        )
    }

    /// The index: what the deck is, its outline with weights and coverage, links to the pages.
    fn index(&self) -> String {
        let m = self.manifest;
        let mut body = format!("<h1>{}</h1>\n", escape(&m.name));
        if !m.description.is_empty() {
            let _ = writeln!(
                body,
                "<p class=\"description\">{}</p>",
                escape(&m.description)
            );
        }
        let _ = write!(
            body,
            "<ul class=\"facts\">\n<li>{} notes, {} cards</li>\n<li>deck id <code>{}</code>, version {}</li>\n",
            self.notes.len(),
            self.cards,
            escape(m.id.as_str()),
            escape(&m.version)
        );
        if !m.license.is_empty() {
            let _ = writeln!(body, "<li>license {}</li>", escape(&m.license));
        }
        if !m.authors.is_empty() {
            let authors: Vec<String> = m.authors.iter().map(|a| escape(a)).collect();
            let _ = writeln!(body, "<li>by {}</li>", authors.join(", "));
        }
        body.push_str("</ul>\n");
        if let Some(outline) = self.outline {
            body.push_str(&self.outline_section(outline));
        }
        if self.notes.iter().any(|n| n.place.is_none()) {
            let count = self.notes.iter().filter(|n| n.place.is_none()).count();
            let _ = writeln!(
                body,
                "<p class=\"other\"><a href=\"{OTHER_PAGE}\">Notes outside the outline</a> ({count})</p>"
            );
        }
        self.page("", &body)
    }

    /// The outline as a coverage table and a nested list of objectives and skills.
    fn outline_section(&self, outline: &Outline) -> String {
        let c = self.coverage;
        let mut s = String::from("<h2>Outline and coverage</h2>\n");
        if !outline.exam.is_empty() || !outline.title.is_empty() {
            let _ = writeln!(
                s,
                "<p class=\"exam\">{} {}</p>",
                escape(&outline.exam),
                escape(&outline.title)
            );
        }
        s.push_str(
            "<div class=\"scroll\"><table class=\"coverage\">\n<thead><tr><th>Domain</th><th>Exam weight</th><th>Notes</th><th>Share of notes</th></tr></thead>\n<tbody>\n",
        );
        for (domain, cov) in outline.domains.iter().zip(&c.domains) {
            let _ = writeln!(
                s,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}–{}%</td><td>{}</td><td>{:.1}%</td></tr>",
                domain_page(&domain.id),
                escape(&domain.title),
                domain.weight_min,
                domain.weight_max,
                cov.notes,
                cov.share
            );
        }
        s.push_str("</tbody>\n</table></div>\n");
        let (mut objectives, mut skills) = (c.objectives.iter(), c.skills.iter());
        for domain in &outline.domains {
            let page = domain_page(&domain.id);
            let _ = writeln!(
                s,
                "<section class=\"domain\">\n<h3><a href=\"{page}\">{}</a> <span class=\"weight\">{}–{}%</span></h3>\n<ul class=\"objectives\">",
                escape(&domain.title),
                domain.weight_min,
                domain.weight_max
            );
            for objective in &domain.objectives {
                let notes = objectives.next().map_or(0, |o| o.notes);
                let _ = writeln!(
                    s,
                    "<li><a href=\"{page}#objective-{}\">{}</a> <span class=\"count\">{}</span>\n<ul class=\"skills\">",
                    escape(&objective.id),
                    escape(&objective.title),
                    count(notes)
                );
                for skill in &objective.skills {
                    let notes = skills.next().map_or(0, |k| k.notes);
                    let _ = writeln!(
                        s,
                        "<li{}><a href=\"{page}#skill-{}\">{}</a> <span class=\"count\">{}</span></li>",
                        if notes == 0 {
                            " class=\"uncovered\""
                        } else {
                            ""
                        },
                        escape(&skill.id),
                        escape(&skill.title),
                        count(notes)
                    );
                }
                s.push_str("</ul></li>\n");
            }
            s.push_str("</ul>\n</section>\n");
        }
        s
    }

    /// A domain's page: its objectives and skills, each skill with its notes.
    fn domain(&self, outline: &Outline, d: usize, articles: &HashMap<i64, String>) -> String {
        let domain = &outline.domains[d];
        let mut by_skill: HashMap<&str, Vec<&ExportNote>> = HashMap::new();
        for n in self.notes {
            if let Some(place) = &n.place
                && place.domain.0 == domain.id
            {
                by_skill.entry(place.skill.0.as_str()).or_default().push(n);
            }
        }
        let notes: usize = by_skill.values().map(Vec::len).sum();
        let mut body = format!(
            "<nav class=\"back\"><a href=\"index.html\">← the whole outline</a></nav>\n<h1>{}</h1>\n<p class=\"weight\">{}–{}% of the exam · {}</p>\n",
            escape(&domain.title),
            domain.weight_min,
            domain.weight_max,
            count(notes)
        );
        body.push_str("<nav class=\"toc\"><ul>\n");
        for objective in &domain.objectives {
            let _ = writeln!(
                body,
                "<li><a href=\"#objective-{}\">{}</a></li>",
                escape(&objective.id),
                escape(&objective.title)
            );
        }
        body.push_str("</ul></nav>\n");
        for objective in &domain.objectives {
            let _ = writeln!(
                body,
                "<section class=\"objective\" id=\"objective-{}\">\n<h2>{}</h2>",
                escape(&objective.id),
                escape(&objective.title)
            );
            for skill in &objective.skills {
                let notes = by_skill
                    .get(skill.id.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let _ = writeln!(
                    body,
                    "<section class=\"skill\" id=\"skill-{}\">\n<h3>{} <span class=\"count\">{}</span></h3>",
                    escape(&skill.id),
                    escape(&skill.title),
                    count(notes.len())
                );
                if notes.is_empty() {
                    body.push_str("<p class=\"empty\">No note for this skill yet.</p>\n");
                }
                for n in notes {
                    body.push_str(articles.get(&n.pk).map_or("", String::as_str));
                }
                body.push_str("</section>\n");
            }
            body.push_str("</section>\n");
        }
        self.page(&domain.title, &body)
    }
}

fn count(notes: usize) -> String {
    match notes {
        1 => "1 note".to_owned(),
        n => format!("{n} notes"),
    }
}

//! The writer thread of a run's outputs: each settled group's documents handed to
//! the renderers, then put in place, then its rejects, SMS and result lines written.

use std::collections::VecDeque;
use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressStyle};

use super::pdfs::Pdfs;
use super::rejects::Rejects;
use super::results::{Results, results_xlsx};
use super::sms::Sms;
use super::*;
use crate::desk::batch::{Entry, Status};
use crate::docs::{self, Combined};
use crate::files::{self};

pub(crate) struct Writer {
    pub(crate) office_code: String,
    pub(crate) results: Results,
    pub(crate) pdfs: Option<Pdfs>,
    pub(crate) combined: Option<(PathBuf, Combined)>,
    pub(crate) rejects: Option<Rejects>,
    pub(crate) sms: Option<Sms>,
    pub(crate) failed: Vec<Failure>,
    pub(crate) progress: Option<ProgressBar>,
    pub(crate) next_group: u64,
}

/// A group whose documents are being rendered.
pub(crate) struct Pending {
    pub(crate) id: u64,
    pub(crate) entries: Vec<Entry>,
    /// Temporary and final names of the group's PDFs.
    pub(crate) pdfs: Vec<(PathBuf, PathBuf)>,
    pub(crate) sms: Vec<(String, docs::Sms)>,
}

impl Writer {
    pub(crate) fn new(spec: Spec) -> Writer {
        let progress = io::stderr().is_terminal().then(|| {
            let p = ProgressBar::new_spinner();
            p.set_style(
                ProgressStyle::with_template("{spinner} {pos} rows {msg}").expect("valid template"),
            );
            p
        });
        Writer {
            office_code: spec.office_code,
            results: Results::new(spec.format, spec.results),
            pdfs: spec.out.map(|dir| Pdfs::start(dir, spec.paper)),
            combined: spec
                .combined
                .map(|p| (p, Combined::new(&spec.title, spec.paper).print_run())),
            rejects: spec.rejects.map(Rejects::new),
            sms: spec.sms.map(|p| Sms::new(p, spec.mobiles.clone())),
            failed: Vec::new(),
            progress,
            next_group: 0,
        }
    }

    pub(crate) fn run(&mut self, groups: mpsc::Receiver<(Vec<Entry>, bool)>) -> Vec<String> {
        let mut pending = VecDeque::new();
        loop {
            // Start rendering the next group before finishing this one.
            while pending.len() < 2 {
                let next = if pending.is_empty() {
                    groups.recv().ok()
                } else {
                    groups.try_recv().ok()
                };
                match next {
                    Some((entries, recorded)) => pending.push_back(self.start(entries, recorded)),
                    None => break,
                }
            }
            match pending.pop_front() {
                Some(p) => self.finish_group(p),
                None => break,
            }
        }
        self.finish()
    }

    /// Hands a group's documents to the renderers, the combined PDF and the SMS.
    pub(crate) fn start(&mut self, mut entries: Vec<Entry>, recorded: bool) -> Pending {
        let id = self.next_group;
        self.next_group += 1;
        let mut p = Pending {
            id,
            entries: Vec::new(),
            pdfs: Vec::new(),
            sms: Vec::new(),
        };
        for e in &mut entries {
            let Some(doc) = e.document.take() else {
                continue;
            };
            if self.sms.is_some() {
                p.sms
                    .push((doc.applicant.mobile.clone(), docs::sms_text(&doc)));
            }
            if !recorded {
                continue;
            }
            if let Some((path, c)) = &mut self.combined
                && let Err(o) = c.add(&doc)
            {
                // A combined PDF without one of the run's documents would mislead.
                self.failed.push(Failure {
                    what: format!("the combined PDF {}", path.display()),
                    why: docs::unfit(&doc.number, &o),
                });
                self.combined = None;
            }
            if let Some(pdfs) = self.pdfs.as_mut().filter(|p| p.broken.is_none()) {
                let target = pdfs
                    .dir
                    .join(receipt_file(&self.office_code, &e.outcome.receipt_no));
                // A duplicate's PDF only when a stopped run did not write it.
                if e.outcome.status == Status::Accepted || !target.exists() {
                    let tmp = files::temp_name(&pdfs.dir);
                    pdfs.render(id, *doc, tmp.clone());
                    p.pdfs.push((tmp, target));
                }
            }
        }
        p.entries = entries;
        p
    }

    /// Puts a group's PDFs in place, then writes its rejects, SMS and result lines.
    pub(crate) fn finish_group(&mut self, p: Pending) {
        if let Some(pdfs) = &mut self.pdfs
            && let Err(why) = pdfs.put_in_place(p.id, &p.pdfs)
        {
            let line = p.entries.first().map_or(0, |e| e.outcome.line);
            self.failed.push(Failure {
                what: format!(
                    "receipt PDFs in {} (from line {line} of the sheet on)",
                    pdfs.dir.display()
                ),
                why,
            });
        }
        if let Some(r) = &mut self.rejects {
            for e in &p.entries {
                if let (Status::Rejected, Some(raw)) = (e.outcome.status, &e.raw) {
                    r.push(raw, &e.outcome);
                }
            }
        }
        if let Some(s) = &mut self.sms {
            for (mobile, text) in &p.sms {
                s.push(mobile, text);
            }
        }
        for e in &p.entries {
            self.results.write(&e.outcome);
        }
        self.results.flush();
        if let Some(bar) = &self.progress {
            bar.inc(p.entries.len() as u64);
        }
    }

    pub(crate) fn finish(&mut self) -> Vec<String> {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        if let Some(pdfs) = self.pdfs.take() {
            pdfs.stop();
        }
        if let Some((path, c)) = self.combined.take()
            && !c.is_empty()
            && let Err(e) = files::write_atomic(&path, &c.finish())
        {
            self.failed.push(Failure {
                what: format!("the combined PDF {}", path.display()),
                why: format!("{e:#}"),
            });
        }
        if let Some(r) = self.rejects.take() {
            let path = r.path.clone();
            if let Err(why) = r.finish() {
                self.failed.push(Failure {
                    what: format!("the rejects file {}", path.display()),
                    why,
                });
            }
        }
        if let Some(s) = self.sms.take() {
            let path = s.path.clone();
            if let Err(why) = s.finish() {
                self.failed.push(Failure {
                    what: format!("the SMS file {}", path.display()),
                    why,
                });
            }
        }
        if let Some((path, rows)) = self.results.workbook.take()
            && let Err(why) = results_xlsx(&rows)
                .map_err(|e| e.to_string())
                .and_then(|b| files::write_atomic(&path, &b).map_err(|e| format!("{e:#}")))
        {
            self.failed.push(Failure {
                what: format!("the results workbook {}", path.display()),
                why,
            });
        }
        if let Some(why) = self.results.broken.take() {
            self.failed.push(Failure {
                what: "result lines on standard output".into(),
                why,
            });
        }
        self.failed
            .iter()
            .map(|f| format!("{}: {}", f.what, f.why))
            .collect()
    }
}

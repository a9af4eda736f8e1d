//! Receipt PDFs rendered on every core, written under temporary names and put in
//! place group by group.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use anyhow::Result;

use crate::desk::Receipt;
use crate::docs;
use crate::files::{self};
use crate::typeset::PageSize;

/// Receipt PDFs rendered on every core: each worker keeps its own font subsets and
/// shaping caches for the whole run.
pub(crate) struct Pdfs {
    pub(crate) dir: PathBuf,
    pub(crate) jobs: Option<mpsc::Sender<Job>>,
    pub(crate) done: mpsc::Receiver<(u64, Result<(), String>)>,
    /// Results of groups not yet put in place.
    pub(crate) early: HashMap<u64, Vec<Result<(), String>>>,
    pub(crate) workers: Vec<JoinHandle<()>>,
    /// Why the PDFs were given up, once they have been.
    pub(crate) broken: Option<String>,
    pub(crate) made_dir: bool,
}

pub(crate) struct Job {
    pub(crate) group: u64,
    pub(crate) doc: Receipt,
    pub(crate) tmp: PathBuf,
}

impl Pdfs {
    pub(crate) fn start(dir: PathBuf, paper: PageSize) -> Pdfs {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let (report, done) = mpsc::channel();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let workers = (0..cores)
            .map(|_| {
                let (queue, report) = (queue.clone(), report.clone());
                std::thread::spawn(move || {
                    loop {
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        let written = docs::print(&job.doc, paper)
                            .map_err(|o| docs::unfit(&job.doc.number, &o))
                            .and_then(|pdf| {
                                fs::OpenOptions::new()
                                    .write(true)
                                    .create_new(true)
                                    .open(&job.tmp)
                                    .and_then(|mut f| f.write_all(&pdf))
                                    .map_err(|e| format!("{}: {e}", job.tmp.display()))
                            });
                        if report.send((job.group, written)).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        Pdfs {
            dir,
            jobs: Some(jobs),
            done,
            early: HashMap::new(),
            workers,
            broken: None,
            made_dir: false,
        }
    }

    pub(crate) fn render(&mut self, group: u64, doc: Receipt, tmp: PathBuf) {
        if !self.made_dir {
            self.made_dir = true;
            if let Err(e) = fs::create_dir_all(&self.dir) {
                self.broken = Some(format!("cannot create {}: {e}", self.dir.display()));
            }
        }
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Job { group, doc, tmp });
        }
    }

    /// Waits for a group's PDFs, makes their bytes durable with one sync, renames
    /// them into place and syncs the directory. On any failure the group's temporary
    /// files go, and so do the PDFs of the rest of the run.
    pub(crate) fn put_in_place(
        &mut self,
        group: u64,
        files: &[(PathBuf, PathBuf)],
    ) -> Result<(), String> {
        if files.is_empty() {
            return Ok(());
        }
        let mut results = self.early.remove(&group).unwrap_or_default();
        while results.len() < files.len() {
            match self.done.recv() {
                Ok((g, r)) if g == group => results.push(r),
                Ok((g, r)) => self.early.entry(g).or_default().push(r),
                Err(_) => results.push(Err("the PDF renderers stopped".into())),
            }
        }
        let mut done = results.into_iter().collect::<Result<(), String>>();
        if let Some(why) = &self.broken {
            done = Err(why.clone());
        }
        if done.is_ok() {
            let tmps: Vec<PathBuf> = files.iter().map(|(t, _)| t.clone()).collect();
            done = files::sync_files_in(&self.dir, &tmps)
                .and_then(|()| files.iter().try_for_each(|(t, f)| fs::rename(t, f)))
                .and_then(|()| files::sync_dir(&self.dir))
                .map_err(|e| format!("{}: {e}", self.dir.display()));
        }
        if let Err(why) = &done {
            for (t, _) in files {
                let _ = fs::remove_file(t);
            }
            self.broken.get_or_insert_with(|| why.clone());
        }
        done
    }

    pub(crate) fn stop(mut self) {
        self.jobs = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

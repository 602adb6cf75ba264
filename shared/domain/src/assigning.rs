//! Assigning a course or a learning path to many people at once: idempotent per
//! person, each new assignee notified and mailed as their preferences allow, in
//! transactions of many people each (a chunk that meets a concurrent write is
//! settled person by person, each read again).

use crate::{
    AppState,
    auth::Principal,
    certificates,
    db::{Cond, Field, Key, StoreError, Tx, Update, entities_of, keys},
    error::ApiError,
    model::{
        Assignment, Bump, Certificate, CertificateGuard, Company, Course, LearningPath,
        NotificationPreferences, PathAssignment, User,
    },
    notify,
};

/// A request's `dueDate` as stored: an RFC 3339 time, or a date (due at its end,
/// UTC); never in the past.
pub fn due_date(sent: Option<&str>) -> Result<Option<String>, ApiError> {
    sent.map(|d| crate::clock::due_date("dueDate", d).map(crate::clock::rfc3339))
        .transpose()
}

/// What to assign: one course, or a path with its courses (in step order).
pub struct Assigning<'a> {
    pub state: &'a AppState,
    pub by: &'a Principal,
    pub courses: &'a [Course],
    pub path: Option<&'a LearningPath>,
    /// RFC 3339; every course assigned gets it.
    pub due_date: Option<String>,
}

/// Who got it now, and who had it already (left as they were, except that a path's
/// steps added since it was assigned to them are assigned now).
#[derive(Debug, Default)]
pub struct Outcome {
    pub assigned: Vec<String>,
    pub already: Vec<String>,
}

/// One person as read: what they hold of what is being assigned.
struct Held<'u> {
    user: &'u User,
    /// Their assignments of the courses being assigned.
    assignments: Vec<Assignment>,
    prefs: Option<NotificationPreferences>,
    /// Has it already (the course; for a path, the path's own assignment).
    has_it: bool,
    /// Holds a certificate of the path already.
    certified: bool,
}

/// What one transaction gathers beside its items.
#[derive(Default)]
struct Batch {
    bump: Bump,
    pushes: notify::Pushes,
    certs: Vec<Certificate>,
}

/// Rounds of read-and-write for one person whose write met a concurrent one.
const SETTLE_ROUNDS: usize = 4;

impl Assigning<'_> {
    /// Items one person may add: each course's assignment, the notification and the
    /// mail; for a path also its assignment and a path certificate's five.
    fn items_per_person(&self) -> usize {
        self.courses.len() + if self.path.is_some() { 8 } else { 2 }
    }

    pub async fn to(&self, users: &[User]) -> Result<Outcome, ApiError> {
        // A path's transaction also bumps the certificate counters (two items).
        let room = if self.path.is_some() { 98 } else { 100 };
        let per_tx = (room / self.items_per_person()).max(1);
        let company = match self.path {
            // A path all of whose courses someone completed already is certified now.
            Some(_) => Some(
                self.state
                    .db
                    .find::<Company>(&keys::company(&self.by.company_id))
                    .await?,
            ),
            None => None,
        };
        let mut out = Outcome::default();
        for chunk in users.chunks(per_tx) {
            self.chunk(chunk, company.as_ref(), &mut out).await?;
        }
        Ok(out)
    }

    /// The keys of what decides what `u` holds.
    fn wanted(&self, u: &User) -> Vec<Key> {
        let cid = &self.by.company_id;
        let mut k: Vec<Key> = self
            .courses
            .iter()
            .map(|c| keys::assignment(cid, &u.id, &c.id))
            .collect();
        k.push(notify::preferences_key(u));
        if let Some(p) = self.path {
            k.push(keys::path_assignment(cid, &u.id, &p.id));
            k.push(keys::certificate_guard(cid, &u.id, &p.id));
        }
        k
    }

    /// What each of `users` holds (one consistent batch read). A learner's own
    /// enrolment in one of the courses becomes the manager's assignment (a priced
    /// course's lessons open to it), its progress kept.
    async fn read<'u>(&self, users: &'u [User]) -> Result<Vec<Held<'u>>, ApiError> {
        let db = &self.state.db;
        let wanted: Vec<Key> = users.iter().flat_map(|u| self.wanted(u)).collect();
        let got = db.get_many_consistent(&wanted).await?;
        let mut existing: Vec<Assignment> = entities_of(&got)?;
        let prefs = notify::preferences_in(&got)?;
        let on_path: Vec<PathAssignment> = entities_of(&got)?;
        let guards: Vec<CertificateGuard> = entities_of(&got)?;
        for a in existing.iter_mut().filter(|a| a.assigned_by == "self") {
            crate::progress::adopt_enrolment(
                db,
                &a.company_id,
                &a.user_id,
                &a.course_id,
                &self.by.user_id,
            )
            .await?;
            a.assigned_by = self.by.user_id.clone();
            a.version += 1;
        }
        Ok(users
            .iter()
            .map(|u| {
                let assignments: Vec<Assignment> = existing
                    .iter()
                    .filter(|a| a.user_id == u.id)
                    .cloned()
                    .collect();
                let has_it = match self.path {
                    Some(_) => on_path.iter().any(|a| a.user_id == u.id),
                    None => !assignments.is_empty(),
                };
                Held {
                    user: u,
                    has_it,
                    prefs: notify::preferences_of(&prefs, &u.id).cloned(),
                    certified: guards.iter().any(|g| g.user_id == u.id),
                    assignments,
                }
            })
            .collect())
    }

    async fn chunk(
        &self,
        chunk: &[User],
        company: Option<&Company>,
        out: &mut Outcome,
    ) -> Result<(), ApiError> {
        let held = self.read(chunk).await?;
        let mut tx = self.state.db.tx();
        let mut batch = Batch::default();
        let mut writing: Vec<&Held> = Vec::new();
        for h in &held {
            match self.records(tx, h, company, &mut batch)? {
                (next, true) => {
                    tx = next;
                    writing.push(h);
                }
                (next, false) => {
                    tx = next;
                    out.already.push(h.user.id.clone());
                }
            }
        }
        if writing.is_empty() {
            return Ok(());
        }
        match self.commit(tx, company, batch).await {
            Ok(()) => {
                for h in writing {
                    self.tell(out, h);
                }
                Ok(())
            }
            // Someone wrote one of them meanwhile: each read again and settled alone.
            Err(StoreError::Refused(_) | StoreError::Conflicted) => {
                for h in writing {
                    self.settle(h.user, company, out).await?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn tell(&self, out: &mut Outcome, h: &Held) {
        match h.has_it {
            true => out.already.push(h.user.id.clone()),
            false => out.assigned.push(h.user.id.clone()),
        }
    }

    /// One person, read again and written, until a write meets nothing concurrent.
    async fn settle(
        &self,
        user: &User,
        company: Option<&Company>,
        out: &mut Outcome,
    ) -> Result<(), ApiError> {
        for _ in 0..SETTLE_ROUNDS {
            let held = self.read(std::slice::from_ref(user)).await?;
            let mut batch = Batch::default();
            let (tx, writes) = self.records(self.state.db.tx(), &held[0], company, &mut batch)?;
            if !writes {
                out.already.push(user.id.clone());
                return Ok(());
            }
            match self.commit(tx, company, batch).await {
                Ok(()) => {
                    self.tell(out, &held[0]);
                    return Ok(());
                }
                Err(StoreError::Refused(_) | StoreError::Conflicted) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ApiError::Unavailable { retry_after: 1 })
    }

    /// Commits `tx` with the batch's counters, then sends its pushes and stores its
    /// certificates' PDFs.
    async fn commit(
        &self,
        tx: Tx,
        company: Option<&Company>,
        batch: Batch,
    ) -> Result<(), StoreError> {
        let tx = match company {
            Some(c) => batch
                .bump
                .apply(tx, &c.id, &crate::clock::now_rfc3339()[..10])?,
            None => tx,
        };
        self.state.db.commit(tx).await?;
        batch.pushes.send(self.state).await;
        for mut c in batch.certs {
            certificates::store_pdf_after_issue(self.state, &mut c).await;
        }
        Ok(())
    }

    /// Adds one person's records to `tx`, and says whether there were any: each
    /// course not held yet (marked with the path), the path joined by those held
    /// (under their version: a completion racing this write makes it read again),
    /// and for someone new to it the path's own assignment, the notification and
    /// mail, and the path's certificate when every course of it is complete already.
    fn records(
        &self,
        mut tx: Tx,
        h: &Held<'_>,
        company: Option<&Company>,
        batch: &mut Batch,
    ) -> Result<(Tx, bool), ApiError> {
        let (cid, u) = (&self.by.company_id, h.user);
        let mut writes = false;
        if h.has_it && self.path.is_none() {
            return Ok((tx, false));
        }
        for c in self.courses {
            match h.assignments.iter().find(|a| a.course_id == c.id) {
                None => {
                    let mut a =
                        Assignment::new(cid, &u.id, &c.id, &self.by.user_id, self.due_date.clone());
                    a.paths = self.path.map(|p| vec![p.id.clone()]).unwrap_or_default();
                    tx = tx.put(&a, Cond::absent());
                    writes = true;
                }
                Some(a) => {
                    if let Some(p) = self.path.filter(|p| !a.paths.contains(&p.id)) {
                        tx = tx.update(
                            &keys::assignment(cid, &u.id, &c.id),
                            Update::new()
                                .add_members(Assignment::PATHS, vec![p.id.clone()])
                                .add(Field::VERSION, 1),
                            Cond::version(a.version),
                        );
                        writes = true;
                    }
                }
            }
        }
        let Some(p) = self.path else {
            let msg = self.course_message(&self.courses[0]);
            let tx = notify::add_to(tx, &msg, u, h.prefs.as_ref(), &mut batch.pushes);
            return Ok((tx, true));
        };
        let done = self.courses.iter().all(|c| {
            h.assignments
                .iter()
                .any(|a| a.course_id == c.id && a.is_completed())
        });
        if let (true, false, Some(company)) = (done, h.certified, company) {
            let cert = certificates::new_path_certificate(company, u, p);
            tx = certificates::issue_in(
                tx,
                self.state,
                &cert,
                u,
                h.prefs.as_ref(),
                &mut batch.bump,
                &mut batch.pushes,
            );
            batch.certs.push(cert);
            writes = true;
        }
        if !h.has_it {
            tx = tx.put(
                &PathAssignment {
                    company_id: cid.clone(),
                    user_id: u.id.clone(),
                    path_id: p.id.clone(),
                    assigned_by: self.by.user_id.clone(),
                    assigned_at: crate::clock::now_rfc3339(),
                    due_date: self.due_date.clone(),
                },
                Cond::absent(),
            );
            let msg = self.path_message(p);
            tx = notify::add_to(tx, &msg, u, h.prefs.as_ref(), &mut batch.pushes);
            writes = true;
        }
        Ok((tx, writes))
    }

    fn course_message(&self, course: &Course) -> notify::Message {
        let link = format!("{}/courses/{}", self.state.config.frontend_url, course.id);
        let body = match &self.due_date {
            Some(d) => format!("{} is assigned to you, due {d}.", course.title),
            None => format!("{} is assigned to you.", course.title),
        };
        notify::Message {
            kind: "course_assigned",
            title: "New course assigned".into(),
            body,
            link: Some(link.clone()),
            template: "course_assigned",
            data: serde_json::json!({"courseTitle": course.title, "dueDate": self.due_date, "url": link}),
        }
    }

    /// A path's assignment is told as one (its kind is a course assignment's, so
    /// the same preference governs it).
    fn path_message(&self, path: &LearningPath) -> notify::Message {
        let link = format!("{}/paths/{}", self.state.config.frontend_url, path.id);
        let titles: Vec<&str> = self.courses.iter().map(|c| c.title.as_str()).collect();
        let n = titles.len();
        let body = match &self.due_date {
            Some(d) => format!(
                "The learning path {} ({n} courses) is assigned to you, due {d}.",
                path.title
            ),
            None => format!(
                "The learning path {} ({n} courses) is assigned to you.",
                path.title
            ),
        };
        notify::Message {
            kind: "course_assigned",
            title: "New learning path assigned".into(),
            body,
            link: Some(link.clone()),
            template: "path_assigned",
            data: serde_json::json!({
                "pathTitle": path.title,
                "courseTitles": titles,
                "dueDate": self.due_date,
                "url": link,
            }),
        }
    }
}

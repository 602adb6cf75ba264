//! Assigning a course or a learning path to many people at once: idempotent per
//! person, each new assignee notified and mailed as their preferences allow, in
//! transactions of many people each (a chunk that meets a concurrent assignment is
//! settled person by person).

use crate::{
    AppState,
    auth::Principal,
    certificates,
    db::{Cond, Field, Key, StoreError, Tx, Update, entities_of, keys},
    error::ApiError,
    model::{
        Assignment, Bump, CertificateGuard, Company, Course, LearningPath, NotificationPreferences,
        PathAssignment, User,
    },
    notify,
};

/// What to assign: one course, or a path with its courses (in step order).
pub struct Assigning<'a> {
    pub state: &'a AppState,
    pub by: &'a Principal,
    pub courses: &'a [Course],
    pub path: Option<&'a LearningPath>,
    /// RFC 3339; every course assigned gets it.
    pub due_date: Option<String>,
}

/// Who got it now, and who had it already (left as they were).
#[derive(Debug, Default)]
pub struct Outcome {
    pub assigned: Vec<String>,
    pub already: Vec<String>,
}

/// What one person holds already, from the chunk's batch read.
struct Held<'h> {
    user: &'h User,
    /// Their assignments of the courses being assigned.
    assignments: Vec<&'h Assignment>,
    prefs: Option<&'h NotificationPreferences>,
    /// Holds a certificate of the path already.
    certified: bool,
}

impl Assigning<'_> {
    /// Items one person's transaction may take: the path's assignment, each course's,
    /// the notification and the mail, and a path certificate's five.
    fn items_per_person(&self) -> usize {
        self.courses.len() + if self.path.is_some() { 8 } else { 2 }
    }

    pub async fn to(&self, users: &[User]) -> Result<Outcome, ApiError> {
        let per_tx = (100 / self.items_per_person()).max(1);
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

    /// The keys of what decides whether `u` has it already, and how to tell them.
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

    async fn chunk(
        &self,
        chunk: &[User],
        company: Option<&Company>,
        out: &mut Outcome,
    ) -> Result<(), ApiError> {
        let db = &self.state.db;
        let wanted: Vec<Key> = chunk.iter().flat_map(|u| self.wanted(u)).collect();
        let got = db.get_many_consistent(&wanted).await?;
        let existing: Vec<Assignment> = entities_of(&got)?;
        let prefs = notify::preferences_in(&got)?;
        let on_path: Vec<PathAssignment> = entities_of(&got)?;
        let guards: Vec<CertificateGuard> = entities_of(&got)?;
        let mut fresh = Vec::new();
        for u in chunk {
            let mine: Vec<&Assignment> = existing.iter().filter(|a| a.user_id == u.id).collect();
            let has_it = match self.path {
                Some(_) => on_path.iter().any(|a| a.user_id == u.id),
                None => !mine.is_empty(),
            };
            // A learner's own enrolment becomes the manager's assignment (a priced
            // course's lessons open to it), its progress kept.
            for a in mine.iter().filter(|a| a.assigned_by == "self") {
                crate::progress::adopt_enrolment(
                    db,
                    &a.company_id,
                    &a.user_id,
                    &a.course_id,
                    &self.by.user_id,
                )
                .await?;
            }
            if has_it {
                out.already.push(u.id.clone());
            } else {
                fresh.push(Held {
                    user: u,
                    assignments: mine,
                    prefs: notify::preferences_of(&prefs, &u.id),
                    certified: guards.iter().any(|g| g.user_id == u.id),
                });
            }
        }
        if fresh.is_empty() {
            return Ok(());
        }
        let mut tx = db.tx();
        let mut pushes = notify::Pushes::default();
        let mut certs = Vec::new();
        for h in &fresh {
            tx = self.records(tx, h, company, &mut pushes, &mut certs)?;
        }
        match db.commit(tx).await {
            Ok(()) => {
                out.assigned.extend(fresh.iter().map(|h| h.user.id.clone()));
                self.after(pushes, certs).await;
            }
            // Someone assigned one of them meanwhile: settle this chunk one by one.
            Err(StoreError::Refused(_)) => {
                for h in &fresh {
                    let (mut pushes, mut certs) = (notify::Pushes::default(), Vec::new());
                    let tx = self.records(db.tx(), h, company, &mut pushes, &mut certs)?;
                    match db.commit(tx).await {
                        Ok(()) => {
                            out.assigned.push(h.user.id.clone());
                            self.after(pushes, certs).await;
                        }
                        Err(StoreError::Refused(_)) => out.already.push(h.user.id.clone()),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    async fn after(&self, pushes: notify::Pushes, certs: Vec<crate::model::Certificate>) {
        pushes.send(self.state).await;
        for mut c in certs {
            certificates::store_pdf_after_issue(self.state, &mut c).await;
        }
    }

    /// Adds one person's records to `tx`: each course not held yet (marked with the
    /// path), the path's own assignment, the notification and mail, and the path's
    /// certificate when every course of it is complete already.
    fn records(
        &self,
        mut tx: Tx,
        h: &Held<'_>,
        company: Option<&Company>,
        pushes: &mut notify::Pushes,
        certs: &mut Vec<crate::model::Certificate>,
    ) -> Result<Tx, ApiError> {
        let (cid, u) = (&self.by.company_id, h.user);
        for c in self.courses {
            match h.assignments.iter().find(|a| a.course_id == c.id) {
                None => {
                    let mut a =
                        Assignment::new(cid, &u.id, &c.id, &self.by.user_id, self.due_date.clone());
                    a.paths = self.path.map(|p| vec![p.id.clone()]).unwrap_or_default();
                    tx = tx.put(&a, Cond::absent());
                }
                // Held already: it joins the path (its version moves, so a progress
                // write that read it before reads again and keeps the mark).
                Some(a) => {
                    if let Some(p) = self.path.filter(|p| !a.paths.contains(&p.id)) {
                        tx = tx.update(
                            &keys::assignment(cid, &u.id, &c.id),
                            Update::new()
                                .add_members(Assignment::PATHS, vec![p.id.clone()])
                                .add(Field::VERSION, 1),
                            Cond::present(),
                        );
                    }
                }
            }
        }
        let msg = match self.path {
            Some(p) => {
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
                let done = self.courses.iter().all(|c| {
                    h.assignments
                        .iter()
                        .any(|a| a.course_id == c.id && a.is_completed())
                });
                if let (true, false, Some(company)) = (done, h.certified, company) {
                    let cert = certificates::new_path_certificate(company, u, p);
                    let mut bump = Bump::default();
                    tx = certificates::issue_in(
                        tx, self.state, &cert, u, h.prefs, &mut bump, pushes,
                    );
                    tx = bump.apply(tx, cid, &cert.issued_at[..10])?;
                    certs.push(cert);
                }
                self.path_message(p)
            }
            None => self.course_message(&self.courses[0]),
        };
        Ok(notify::add_to(tx, &msg, u, h.prefs, pushes))
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

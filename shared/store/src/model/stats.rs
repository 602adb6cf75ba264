use serde::{Deserialize, Serialize};

use crate::db::{Field, Update};

/// A company's running totals (`ADD`ed by the writes that change them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompanyStats {
    pub completions: u64,
    pub certificates_issued: u64,
}

/// One day's totals of a company; the sort key is the day.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DailyStats {
    pub completions: u64,
    pub certificates_issued: u64,
    pub lessons_completed: u64,
    /// Bumped by the prompt library.
    pub prompt_uses: u64,
}

/// Counters one write bumps by one, gathered so that each stats item gets a single
/// update (a transaction may touch an item only once).
#[derive(Debug, Default)]
pub struct Bump {
    company: Vec<Field>,
    daily: Vec<Field>,
}

impl Bump {
    /// A running total and today's.
    pub fn both(&mut self, counter: Field) {
        self.company.push(counter);
        self.daily.push(counter);
    }

    /// Today's only.
    pub fn daily(&mut self, counter: Field) {
        self.daily.push(counter);
    }

    /// Adds the updates to `tx`; `day` is `YYYY-MM-DD`.
    pub fn apply(
        self,
        mut tx: crate::db::Tx,
        company_id: &str,
        day: &str,
    ) -> Result<crate::db::Tx, crate::db::StoreError> {
        for (key, counters) in [
            (crate::db::keys::company_stats(company_id), self.company),
            (crate::db::keys::daily_stats(company_id, day), self.daily),
        ] {
            if counters.is_empty() {
                continue;
            }
            // One ADD per counter, by how often it was bumped (an update names a
            // path once: two certificates in one write add 2).
            let mut tally: Vec<(Field, i64)> = Vec::new();
            for c in counters {
                match tally.iter_mut().find(|(f, _)| *f == c) {
                    Some((_, n)) => *n += 1,
                    None => tally.push((c, 1)),
                }
            }
            let update = tally.iter().fold(Update::new(), |u, (c, n)| u.add(*c, *n));
            tx = tx.update(&key, update, None);
        }
        Ok(tx)
    }
}

//! Optimistic concurrency: every mutable resource carries a `version`; an update
//! names the version it read, and a stale one changes nothing.

use crate::db::Entity;

pub trait Versioned: Entity {
    fn version(&self) -> u64;
    /// The next version, stamped now.
    fn bump(&mut self, now: String);
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn version(&self) -> u64 {
                self.version
            }
            fn bump(&mut self, now: String) {
                self.version += 1;
                self.updated_at = now;
            }
        }
    )*};
}
versioned!(
    super::Company,
    super::Department,
    super::User,
    super::Course,
    super::Module,
    super::Lesson,
    super::Team,
    super::CalendarEvent,
    super::InventoryItem,
    super::Prompt,
    super::LearningPath
);

//! The activity analysis: which variables of a function carry derivatives.
//!
//! A variable is active when its value depends on an active parameter along some path
//! of the function. Lowering ([`crate::lower`]) decides it as it walks the body in
//! order (a value is active when an operand is; the rules are `Lowerer::is_active`),
//! and asks this analysis about each variable it reads. In order is enough for
//! straight-line code and branches; a loop can carry activity backwards: a variable
//! read at the top of the body and made active at its bottom is active in every trip
//! after the first, so it must be active from the start.
//!
//! So each pass records the answers it gave. A variable that the pass took to be
//! inactive and then marked active makes the pass's decisions stale: the body is
//! lowered again with every variable found so far active from the start. A pass whose
//! answers all held is the result (it made the same decisions a pass starting from
//! its final set would make). Most bodies take one pass; a loop that carries activity
//! backwards takes two, rarely three.

use std::cell::RefCell;
use std::collections::HashSet;

/// The active variables of one lowering pass, and what the pass assumed of them.
#[derive(Debug, Default)]
pub struct Activity {
    active: HashSet<String>,
    /// Variables some decision of this pass took to be inactive (the queries are
    /// made through `&self`, hence the cell).
    assumed_inactive: RefCell<HashSet<String>>,
    /// Variables marked active after a decision took them to be inactive.
    stale: HashSet<String>,
}

impl Activity {
    /// A first pass: only `active` (the active parameters) is known.
    pub fn new(active: impl IntoIterator<Item = String>) -> Self {
        Activity {
            active: active.into_iter().collect(),
            ..Activity::default()
        }
    }

    /// Whether `v` is active, as far as this pass knows; a `false` is recorded.
    pub fn is_active(&self, v: &str) -> bool {
        let yes = self.active.contains(v);
        if !yes {
            self.assumed_inactive.borrow_mut().insert(v.to_string());
        }
        yes
    }

    /// `v` is active from here on.
    pub fn mark(&mut self, v: &str) {
        if self.active.insert(v.to_string()) && self.assumed_inactive.borrow().contains(v) {
            self.stale.insert(v.to_string());
        }
    }

    /// Whether every answer this pass gave still holds: then its result stands.
    pub fn settled(&self) -> bool {
        self.stale.is_empty()
    }

    /// The variables found active too late for this pass, for diagnostics and tests.
    pub fn stale(&self) -> &HashSet<String> {
        &self.stale
    }

    /// The next pass: everything found active so far is active from the start.
    pub fn next_pass(self) -> Self {
        Activity::new(self.active)
    }

    /// The active variables.
    pub fn into_active(self) -> HashSet<String> {
        self.active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_found_before_any_use_settles_the_pass() {
        let mut a = Activity::new(["x".to_string()]);
        assert!(a.is_active("x"));
        a.mark("y"); // `let y = x * 2.0;`
        assert!(a.is_active("y"));
        assert!(!a.is_active("k"));
        assert!(a.settled());
        let active = a.into_active();
        assert_eq!(active.len(), 2);
        assert!(active.contains("y") && !active.contains("k"));
    }

    #[test]
    fn activity_found_after_a_use_makes_the_pass_stale() {
        // `let mut s = 1.0; for .. { z = z * s; s = s * x; }`: `s` was read as
        // inactive before the loop's last statement made it active.
        let mut a = Activity::new(["x".to_string()]);
        assert!(!a.is_active("s"));
        a.mark("s");
        assert!(!a.settled());
        assert_eq!(a.stale().iter().collect::<Vec<_>>(), ["s"]);
        let mut b = a.next_pass();
        assert!(b.is_active("s") && b.is_active("x"));
        b.mark("s");
        b.mark("z");
        assert!(b.settled());
    }

    #[test]
    fn marking_twice_is_not_stale() {
        let mut a = Activity::new(Vec::<String>::new());
        a.mark("t");
        a.mark("t");
        assert!(a.is_active("t"));
        assert!(a.settled());
    }
}

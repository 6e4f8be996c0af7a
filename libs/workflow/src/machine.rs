//! The task state machine, pure: which action is allowed from which state.

use chain_api::workflow::{TaskChange, TaskState};

/// Something done to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The owning layer starts work.
    Start,
    /// The owning layer submits the work for sign-off.
    Submit,
    /// The layer responsible signs the work off.
    SignOff,
    /// The signing layer sends the work back.
    Return,
    /// The issuer withdraws the task.
    Cancel,
}

impl Action {
    /// The action in words, as in "cannot be signed off".
    pub fn past(self) -> &'static str {
        match self {
            Action::Start => "started",
            Action::Submit => "submitted",
            Action::SignOff => "signed off",
            Action::Return => "returned",
            Action::Cancel => "cancelled",
        }
    }

    /// The change the log and the event stream name this action by.
    pub fn change(self) -> TaskChange {
        match self {
            Action::Start => TaskChange::Started,
            Action::Submit => TaskChange::Submitted,
            Action::SignOff => TaskChange::SignedOff,
            Action::Return => TaskChange::Returned,
            Action::Cancel => TaskChange::Cancelled,
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a task that is {} cannot be {}", chain_store::text::enum_str(state).replace('_', " "), action.past())]
pub struct Refusal {
    /// The state the task is in.
    pub state: TaskState,
    /// The refused action.
    pub action: Action,
}

/// The state after `action`, or why it is not allowed.
pub fn next(state: TaskState, action: Action) -> Result<TaskState, Refusal> {
    use Action::*;
    use TaskState::*;
    match (state, action) {
        (Open | Returned, Start) => Ok(InProgress),
        (Open | InProgress | Returned, Submit) => Ok(Submitted),
        (Submitted, SignOff) => Ok(SignedOff),
        (Submitted, Return) => Ok(Returned),
        (Open | InProgress | Submitted | Returned, Cancel) => Ok(Cancelled),
        (state, action) => Err(Refusal { state, action }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState::*;

    #[test]
    fn a_refusal_reads_as_a_sentence() {
        let r = next(InProgress, Action::SignOff).unwrap_err();
        assert_eq!(r.to_string(), "a task that is in progress cannot be signed off");
    }

    #[test]
    fn nothing_is_signed_off_before_it_is_submitted() {
        for s in [Open, InProgress, Returned, SignedOff, Cancelled] {
            assert!(next(s, Action::SignOff).is_err(), "{s:?}");
        }
        assert_eq!(next(Submitted, Action::SignOff), Ok(SignedOff));
    }

    #[test]
    fn finished_tasks_accept_no_action() {
        for a in [Action::Start, Action::Submit, Action::SignOff, Action::Return, Action::Cancel] {
            assert!(next(SignedOff, a).is_err());
            assert!(next(Cancelled, a).is_err());
        }
    }

    #[test]
    fn a_returned_task_can_be_resubmitted() {
        let s = next(Submitted, Action::Return).unwrap();
        assert_eq!(next(s, Action::Submit), Ok(Submitted));
    }
}

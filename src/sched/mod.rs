//! The scheduler: FSRS behind one module, card state changes, the daily queue, readiness for an
//! exam, the optimizer's training items and the simulation. Everything here is pure: data and
//! the day come in as arguments.

pub mod calibration;
pub mod card;
pub mod fsrs;
pub mod optimize;
pub mod plan;
pub mod queue;
pub mod readiness;
pub mod simulate;

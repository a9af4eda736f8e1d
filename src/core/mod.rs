//! The pure domain: dates, money, tariffs, the exam calendar, the office's identity,
//! mobile operators.
//! Nothing here reads files or the clock or writes output: callers hand in text and
//! get values and problems back.

pub mod applicant;
pub mod calendar;
pub mod jalali;
pub mod mobile;
pub mod money;
pub mod office;
pub mod problem;
pub mod tariff;
pub mod text;
pub mod validate;

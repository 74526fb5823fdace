//! What every HTTP function shares: the one place errors become responses
//! ([`error`]), the span and metrics of each request ([`trace`]), and the
//! frame and stylesheet of the HTML pages ([`page`]).

pub mod error;
pub mod page;
pub mod trace;

pub use error::ApiError;
pub use trace::{record_request, request_span, trace_layer};

//! The local stack: the gateway that serves every function on one port, routed the
//! way `template.yaml` routes API Gateway, and the set-up of the local AWS emulator
//! from the template's own resource definitions, and Stripe's missing parts beside
//! localstripe.

pub mod drivers;
pub mod functions;
pub mod gateway;
pub mod iam;
pub mod openapi;
pub mod seed;
pub mod setup;
pub mod streams;
pub mod stripe;
pub mod template;
pub mod uploads;
pub mod websocket;

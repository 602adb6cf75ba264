//! One list of handlers per function, two uses: the router Lambda serves and the
//! OpenAPI document. Both come from each handler's `#[utoipa::path]`, so they cannot
//! disagree; the router reads only each handler's path and methods, so a function
//! does not build its OpenAPI document at start-up.

#[doc(hidden)]
pub mod __private {
    pub use axum;
    pub use utoipa;
    pub use utoipa_axum;
}

/// `campus::api!(module::handler, ...)` defines `routes()` (an axum router) and
/// `openapi()` (the same routes documented) for a function crate.
#[macro_export]
macro_rules! api {
    ($($($seg:ident)::+),+ $(,)?) => {
        /// This function's routes, as Lambda serves them.
        pub fn routes() -> $crate::api::__private::axum::Router<$crate::AppState> {
            use $crate::api::__private::utoipa_axum::{self, PathItemExt};
            let router = $crate::api::__private::axum::Router::new();
            let mut pairs = Vec::new();
            $(
                let path = utoipa_axum::routes!(@path [path()] of $($seg)::+);
                let methods = utoipa_axum::routes!(@path [methods()] of $($seg)::+);
                let router = methods.iter().fold(router, |router, m| {
                    router.route(&path, $crate::api::__private::axum::routing::on(m.to_method_filter(), $($seg)::+))
                });
                pairs.push((path, methods));
            )+
            // A PATCH beside each GET and PUT of one path (see `http::patch`).
            $crate::http::patch::with_patches(router, &pairs, openapi)
        }

        /// The same routes, documented.
        pub fn openapi() -> $crate::api::__private::utoipa::openapi::OpenApi {
            use $crate::api::__private::utoipa_axum;
            let docs = utoipa_axum::router::OpenApiRouter::<$crate::AppState>::new();
            $( let docs = docs.routes(utoipa_axum::routes!($($seg)::+)); )+
            docs.into_openapi()
        }
    };
}

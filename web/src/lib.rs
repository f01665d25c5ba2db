//! Rampart's web app: Leptos pages rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).
//! The two features are mutually exclusive; the server crate enables `ssr`, the xtask builds `hydrate`.

pub mod api;
pub mod app;
pub mod plugin_ui;

pub use app::{App, shell};

#[cfg(all(feature = "ssr", feature = "hydrate"))]
compile_error!("the `ssr` and `hydrate` features of `web` are mutually exclusive");

/// Entry point of the browser bundle. Pages are rendered on the server; only `#[island]` components
/// (navigation menu, password reveal, table filter, the LTI page's copy buttons) become interactive, which
/// keeps the bundle small.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

/// The one stylesheet, served by the server at `/assets/rampart.css`.
pub const STYLESHEET: &str = include_str!("../style/rampart.css");

/// Progressive enhancement for package uploads (progress bar), served at `/assets/upload.js`.
pub const UPLOAD_SCRIPT: &str = include_str!("../assets/upload.js");

/// The course player's bridge between the content frame and the run-time API, served at
/// `/assets/player.js`.
pub const PLAYER_SCRIPT: &str = include_str!("../assets/player.js");

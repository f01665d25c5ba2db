//! Rampart's web app: Leptos pages rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).
//! The two features are mutually exclusive; the server crate enables `ssr`, the xtask builds `hydrate`.

pub mod api;
pub mod app;

pub use app::{App, shell};

#[cfg(all(feature = "ssr", feature = "hydrate"))]
compile_error!("the `ssr` and `hydrate` features of `web` are mutually exclusive");

/// Entry point of the browser bundle: attaches the reactive system to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

/// The one stylesheet, served by the server at `/assets/rampart.css`.
pub const STYLESHEET: &str = include_str!("../style/rampart.css");

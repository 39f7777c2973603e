//! The animation tick: one `requestAnimationFrame` closure, created once per mounted app, that
//! reports the wall time since the previous frame. The store turns it into simulated time; no
//! component advances the sim itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The per-frame closure.
type FrameClosure = Closure<dyn FnMut(f64)>;

/// The state shared between the closure and the hook's clean-up.
struct Frames {
    /// The closure handed to the browser each frame.
    closure: RefCell<Option<FrameClosure>>,
    /// The pending request, to cancel on unmount.
    request: Cell<Option<i32>>,
    /// Timestamp of the previous frame.
    previous: Cell<Option<f64>>,
}

fn request(frames: &Frames) {
    let window = web_sys::window().expect("a page has a window");
    if let Some(closure) = frames.closure.borrow().as_ref() {
        let id = window
            .request_animation_frame(closure.as_ref().unchecked_ref())
            .ok();
        frames.request.set(id);
    }
}

/// Calls `ontick` with the wall milliseconds since the previous frame, every frame, while the
/// component is mounted.
#[hook]
pub fn use_frame_loop(ontick: Callback<f64>) {
    use_effect_with((), move |_| {
        let frames = Rc::new(Frames {
            closure: RefCell::new(None),
            request: Cell::new(None),
            previous: Cell::new(None),
        });
        let weak = Rc::downgrade(&frames);
        let closure = FrameClosure::new(move |now: f64| {
            // The app was unmounted: the closure holds only a weak reference, so stop here.
            let Some(frames) = weak.upgrade() else { return };
            let wall_ms = frames.previous.replace(Some(now)).map_or(0.0, |p| now - p);
            ontick.emit(wall_ms);
            request(&frames);
        });
        frames.closure.replace(Some(closure));
        request(&frames);
        move || {
            if let (Some(id), Some(window)) = (frames.request.take(), web_sys::window()) {
                let _ = window.cancel_animation_frame(id);
            }
            frames.closure.replace(None);
        }
    });
}

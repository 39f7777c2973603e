//! Which topic lanes are on screen. A busy cluster's lanes are redrawn a few at a time; spending
//! those redraws on lanes nobody can see (most of them: a lane is ~130 px tall) costs DOM work
//! on every frame for nothing. An `IntersectionObserver` (reached through `js_sys`, so the page
//! needs no extra web-sys feature) reports each lane's `data-lane` name as it comes within half a
//! screen of the viewport or leaves it; the view model then gives the busy frames' lane turns to
//! those lanes only and redraws a lane as soon as it comes into view.
//!
//! Until the observer reports anything (a browser without one, a page not laid out yet) every
//! lane counts as on screen, which is the behaviour without this module.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// How far outside the viewport a lane still counts as on screen: half a screen above and below,
/// so that a lane scrolled into view has been redrawn before it shows.
const ROOT_MARGIN: &str = "50% 0px";

/// The observer's callback.
type EntriesClosure = Closure<dyn FnMut(Array)>;

/// The lanes on screen, as reported by the browser.
#[derive(Default)]
pub struct LaneSight {
    /// Each reported lane: on screen or not.
    shown: RefCell<BTreeMap<Rc<str>, bool>>,
    /// Lanes that came on screen since the view model last asked.
    arrived: RefCell<BTreeSet<Rc<str>>>,
    /// The `IntersectionObserver` and the callback it holds, made on the first `observe`.
    observer: RefCell<Option<(JsValue, EntriesClosure)>>,
}

impl LaneSight {
    /// A new handle (no observer until a lane is observed).
    pub fn new() -> Rc<LaneSight> {
        Rc::new(LaneSight::default())
    }

    /// Whether the lane named `name` is on screen; `true` until the browser has said otherwise.
    pub fn is_shown(&self, name: &str) -> bool {
        self.shown.borrow().get(name).copied().unwrap_or(true)
    }

    /// Takes the lanes that came on screen since the last call.
    pub fn take_arrived(&self) -> BTreeSet<Rc<str>> {
        std::mem::take(&mut *self.arrived.borrow_mut())
    }

    /// Records that `name` is on screen or not (what the observer's callback does).
    pub fn report(&self, name: &str, on_screen: bool) {
        let mut shown = self.shown.borrow_mut();
        let was = shown.get(name).copied().unwrap_or(true);
        if on_screen && !was {
            self.arrived.borrow_mut().insert(name.into());
        }
        match shown.get_mut(name) {
            Some(s) => *s = on_screen,
            None => {
                shown.insert(name.into(), on_screen);
            }
        }
    }

    /// Forgets a lane that is no longer drawn (it counts as on screen if it comes back).
    pub fn forget(&self, name: &str) {
        self.shown.borrow_mut().remove(name);
        self.arrived.borrow_mut().remove(name);
    }

    /// Starts watching a lane's element (it carries the lane's name in `data-lane`).
    pub fn observe(self: &Rc<Self>, lane: &web_sys::Element) {
        if self.observer.borrow().is_none() {
            let made = make_observer(Rc::downgrade(self));
            self.observer.replace(made);
        }
        self.call("observe", lane);
    }

    /// Stops watching a lane's element.
    pub fn unobserve(&self, lane: &web_sys::Element) {
        self.call("unobserve", lane);
    }

    fn call(&self, method: &str, lane: &web_sys::Element) {
        if let Some((observer, _)) = self.observer.borrow().as_ref()
            && let Ok(f) = Reflect::get(observer, &method.into())
            && let Ok(f) = f.dyn_into::<Function>()
        {
            let _ = f.call1(observer, lane);
        }
    }
}

impl Drop for LaneSight {
    fn drop(&mut self) {
        if let Some((observer, _)) = self.observer.get_mut().take()
            && let Ok(f) = Reflect::get(&observer, &"disconnect".into())
            && let Ok(f) = f.dyn_into::<Function>()
        {
            let _ = f.call0(&observer);
        }
    }
}

/// A new `IntersectionObserver` reporting to `sight`, if the browser has one.
fn make_observer(sight: Weak<LaneSight>) -> Option<(JsValue, EntriesClosure)> {
    let window = web_sys::window()?;
    let ctor: Function = Reflect::get(&window, &"IntersectionObserver".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let callback = EntriesClosure::new(move |entries: Array| {
        let Some(sight) = sight.upgrade() else { return };
        for entry in entries.iter() {
            let on_screen = Reflect::get(&entry, &"isIntersecting".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            let name = Reflect::get(&entry, &"target".into())
                .ok()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.get_attribute("data-lane"));
            if let Some(name) = name {
                sight.report(&name, on_screen);
            }
        }
    });
    let options = Object::new();
    Reflect::set(&options, &"rootMargin".into(), &ROOT_MARGIN.into()).ok()?;
    let observer = Reflect::construct(
        &ctor,
        &Array::of2(callback.as_ref().unchecked_ref(), &options),
    )
    .ok()?;
    Some((observer, callback))
}

/// A shared [`LaneSight`] as a prop: equal when it is the same one.
#[derive(Clone)]
pub struct SightHandle(pub Rc<LaneSight>);

impl PartialEq for SightHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_count_as_shown_until_reported_and_arrive_once_when_they_come_back() {
        let sight = LaneSight::default();
        assert!(sight.is_shown("orders-0"));
        sight.report("orders-0", true);
        assert!(sight.take_arrived().is_empty(), "already counted as shown");
        sight.report("orders-1", false);
        assert!(!sight.is_shown("orders-1"));
        assert!(sight.is_shown("orders-0"));
        sight.report("orders-1", true);
        sight.report("orders-1", true);
        let arrived: Vec<String> = sight.take_arrived().iter().map(|n| n.to_string()).collect();
        assert_eq!(arrived, ["orders-1"]);
        assert!(sight.take_arrived().is_empty());
        sight.report("orders-1", false);
        sight.forget("orders-1");
        assert!(
            sight.is_shown("orders-1"),
            "a forgotten lane counts as shown again"
        );
    }
}

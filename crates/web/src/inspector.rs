//! The inspector: details of the clicked record (offset, leader epoch, key, value, the ledger's
//! outcome), partition (leader, epoch, replicas, ISR, HW and LEO per replica) or broker.

use std::rc::Rc;

use yew::prelude::*;

use crate::view_model::InspectorView;

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// What to show (`None`: nothing selected).
    pub view: Option<Rc<InspectorView>>,
    /// Close.
    pub onclose: Callback<()>,
}

/// The inspector panel.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let onclose = props.onclose.reform(|_: MouseEvent| ());
    html! {
        <section class="panel inspector" aria-labelledby="inspector-title" data-testid="inspector">
            <h2 id="inspector-title">
                { "Inspector" }
                if let Some(v) = &props.view {
                    <span class="inspector-what" data-testid="inspector-title">{ format!(": {}", v.title) }</span>
                }
            </h2>
            if let Some(v) = &props.view {
                <button class="button close" onclick={onclose} aria-label="Close the inspector">{ "×" }</button>
                <dl class="details">
                    { for v.rows.iter().enumerate().map(|(i, (label, value))| html! {
                        <div key={i} class="detail" data-testid={format!("inspector-{}", label.replace(' ', "-"))}>
                            <dt>{ *label }</dt><dd>{ value.to_string() }</dd>
                        </div>
                    }) }
                </dl>
            } else {
                <p class="panel-hint">{ "Click a record, a partition or a broker to see its details here." }</p>
            }
        </section>
    }
}

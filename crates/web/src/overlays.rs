//! Dialogs over the page: the keyboard help and "What is modelled" (what the simulator models
//! after Apache Kafka and what it simplifies, built from docs/what-is-modelled.md).

use yew::prelude::*;

use crate::shortcuts::SHORTCUTS;
use crate::store::Overlay;

/// The "What is modelled" text: docs/what-is-modelled.md, the one source the README links to.
pub const WHAT_IS_MODELLED: &str = include_str!("../../../docs/what-is-modelled.md");

/// One `## ` section of a Markdown list document: its heading and its `- ` items (continuation
/// lines joined with a space).
#[derive(Clone, Debug, PartialEq)]
pub struct DocSection {
    /// The heading text.
    pub title: String,
    /// The list items, in order.
    pub items: Vec<String>,
}

/// Splits the small Markdown subset of docs/what-is-modelled.md into its intro paragraph and its
/// sections; enough for that one file, not a Markdown parser.
pub fn doc_sections(markdown: &str) -> (String, Vec<DocSection>) {
    let mut intro = String::new();
    let mut sections: Vec<DocSection> = Vec::new();
    for line in markdown.lines() {
        let text = line.trim();
        if text.is_empty() || text.starts_with("# ") {
            continue;
        }
        if let Some(title) = text.strip_prefix("## ") {
            sections.push(DocSection {
                title: title.to_string(),
                items: Vec::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            match text.strip_prefix("- ") {
                Some(item) => section.items.push(item.to_string()),
                None => {
                    if let Some(item) = section.items.last_mut() {
                        item.push(' ');
                        item.push_str(text);
                    }
                }
            }
        } else {
            if !intro.is_empty() {
                intro.push(' ');
            }
            intro.push_str(text);
        }
    }
    (intro, sections)
}

/// Text with `code spans` as `<code>` (as text nodes, never parsed as HTML).
fn inline(text: &str) -> Html {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                html! { <code>{ part.to_string() }</code> }
            } else {
                html! { { part.to_string() } }
            }
        })
        .collect()
}

/// Props of [`Overlays`].
#[derive(Properties, PartialEq)]
pub struct OverlaysProps {
    /// Which dialog is open.
    pub open: Overlay,
    /// Close it.
    pub onclose: Callback<()>,
}

/// The open dialog, if any.
#[component]
pub fn Overlays(props: &OverlaysProps) -> Html {
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with(props.open, move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let (title, testid, body) = match props.open {
        Overlay::None => return html! {},
        Overlay::Help => ("Help: keyboard and tips", "help-dialog", help()),
        Overlay::Modelled => ("What is modelled", "modelled-dialog", modelled()),
    };
    let onclose = props.onclose.reform(|_: MouseEvent| ());
    let onbackdrop = props.onclose.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay">
            <div class="backdrop" onclick={onbackdrop} aria-hidden="true"></div>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid={testid}>
                <button ref={close_ref} class="button close" onclick={onclose} aria-label="Close (Esc)">{ "×" }</button>
                <h2 id="dialog-title">{ title }</h2>
                { body }
            </div>
        </div>
    }
}

fn help() -> Html {
    html! {
        <>
            <table class="shortcuts">
                <tbody>
                    { for SHORTCUTS.iter().map(|(k, what)| html! {
                        <tr key={*k}><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr>
                    }) }
                </tbody>
            </table>
            <h3>{ "Things to try" }</h3>
            <ul>
                <li>{ "Kill the leader of orders-0 (its lane names it): after broker.session.timeout.ms the controller fences it and a follower from the ISR takes over. Restart it and watch it truncate and catch up." }</li>
                <li>{ "Send three records with the same key: they land in one partition, in order." }</li>
                <li>{ "Set acks=1, enable unclean leader election in Configuration, then kill the leader while a follower is slow: the ledger may report a lost acknowledged write, and the alarm names what allowed it." }</li>
                <li>{ "Slow a follower: after replica.lag.time.max.ms it leaves the ISR and the partition is under-replicated." }</li>
                <li>{ "Crash a consumer of analytics: its partitions keep their owner until session.timeout.ms passes without heartbeats, then the group rebalances and the lag of those partitions drains. Stop one instead: it sends LeaveGroup and the rebalance starts at once." }</li>
            </ul>
        </>
    }
}

fn modelled() -> Html {
    let (intro, sections) = doc_sections(WHAT_IS_MODELLED);
    html! {
        <>
            <p>{ inline(&intro) }</p>
            { for sections.iter().map(|s| html! {
                <>
                    <h3>{ s.title.clone() }</h3>
                    <ul>{ for s.items.iter().map(|item| html! { <li>{ inline(item) }</li> }) }</ul>
                </>
            }) }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_modelled_has_its_three_lists() {
        let (intro, sections) = doc_sections(WHAT_IS_MODELLED);
        assert!(intro.starts_with("The simulator behaves like Apache Kafka"));
        let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Modelled after Apache Kafka",
                "Simplified, and said here so nobody is misled",
                "What the page simplifies"
            ]
        );
        assert!(sections.iter().all(|s| s.items.len() >= 4));
        // A wrapped item is one item, its lines joined.
        assert!(
            sections[0]
                .items
                .contains(&"truncation by leader epoch (KIP-101/279)".to_string())
        );
        assert!(
            sections[1]
                .items
                .iter()
                .any(|i| i.starts_with("One active controller node;")
                    && i.ends_with("ask the controller (not a broker) for metadata."))
        );
    }

    #[test]
    fn doc_sections_joins_continuations_and_skips_headings() {
        let (intro, sections) =
            doc_sections("# T\n\nintro one\ntwo\n\n## A\n\n- x\n  y\n- z\n## B\n- w\n");
        assert_eq!(intro, "intro one two");
        assert_eq!(
            sections,
            vec![
                DocSection {
                    title: "A".into(),
                    items: vec!["x y".into(), "z".into()]
                },
                DocSection {
                    title: "B".into(),
                    items: vec!["w".into()]
                },
            ]
        );
    }
}

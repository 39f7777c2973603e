//! The application shell: a header with the product name, the main area where the cluster is drawn,
//! and a footer with the version.

use yew::prelude::*;

use crate::VERSION;

/// The whole page.
#[component]
pub fn App() -> Html {
    html! {
        <div class="app" data-testid="app">
            <header class="app-header">
                <h1 class="product-name" data-testid="product-name">{ "Kafka Playground" }</h1>
                <p class="tagline">{ "A Kafka cluster you can break in the browser." }</p>
            </header>
            <main class="app-main" data-testid="cluster-area" aria-label="Cluster">
                <p class="placeholder">
                    { "The simulated cluster will appear here: brokers, topics and their partitions, producers and consumer groups." }
                </p>
            </main>
            <footer class="app-footer" data-testid="footer">
                { format!("Kafka Playground v{VERSION} · open source (MIT OR Apache-2.0)") }
            </footer>
        </div>
    }
}

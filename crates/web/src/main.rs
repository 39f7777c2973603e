//! Entry point of the page: mounts `<App>` into the document body.

fn main() {
    yew::Renderer::<kafka_playground::App>::new().render();
}

//! deflate-raw through the browser's `CompressionStream` and `DecompressionStream`, so that
//! share links are short without a compression crate in the page. The output is read chunk by
//! chunk and abandoned past a size limit, so a crafted link cannot make the page allocate
//! gigabytes.
//!
//! The streams are declared here rather than taken from web-sys, where they still sit behind
//! `web_sys_unstable_apis`.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `CompressionStream` (a transform stream: `readable`, `writable`).
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;

    /// `DecompressionStream`.
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;

    /// A `ReadableStream`, with the two methods used here.
    type Stream;
    #[wasm_bindgen(method, js_name = pipeThrough)]
    fn pipe_through(this: &Stream, transform: &JsValue) -> Stream;
    #[wasm_bindgen(method, js_name = getReader)]
    fn get_reader(this: &Stream) -> Reader;

    /// A `ReadableStreamDefaultReader`.
    type Reader;
    #[wasm_bindgen(method)]
    fn read(this: &Reader) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &Reader) -> js_sys::Promise;
}

/// Why the browser could not (de)compress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompressionError {
    /// The browser refused the data (a `TypeError` from the stream), with its message.
    Stream(String),
    /// The output passed the limit.
    TooBig,
}

fn message(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Runs `bytes` through a transform stream and collects at most `limit` bytes of output.
async fn transform(
    bytes: &[u8],
    stream: JsValue,
    limit: usize,
) -> Result<Vec<u8>, CompressionError> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)
        .map_err(|e| CompressionError::Stream(message(e)))?;
    let source: Stream = blob.stream().unchecked_into();
    let reader = source.pipe_through(&stream).get_reader();
    let mut out = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| CompressionError::Stream(message(e)))?;
        let done = Reflect::get(&chunk, &"done".into()).is_ok_and(|d| d.is_truthy());
        if done {
            return Ok(out);
        }
        let value = Reflect::get(&chunk, &"value".into())
            .map_err(|e| CompressionError::Stream(message(e)))?;
        let value: Uint8Array = value.unchecked_into();
        if out.len() + value.length() as usize > limit {
            let _ = reader.cancel();
            return Err(CompressionError::TooBig);
        }
        let start = out.len();
        out.resize(start + value.length() as usize, 0);
        value.copy_to(&mut out[start..]);
    }
}

/// Compresses with deflate-raw.
pub async fn deflate_raw(bytes: &[u8]) -> Result<Vec<u8>, CompressionError> {
    let stream =
        CompressionStream::new("deflate-raw").map_err(|e| CompressionError::Stream(message(e)))?;
    // Deflate never grows data by more than a few bytes per 16 KB block.
    transform(bytes, stream.into(), bytes.len() * 2 + 1_024).await
}

/// Decompresses deflate-raw, giving up past `limit` bytes of output.
pub async fn inflate_raw(bytes: &[u8], limit: usize) -> Result<Vec<u8>, CompressionError> {
    let stream = DecompressionStream::new("deflate-raw")
        .map_err(|e| CompressionError::Stream(message(e)))?;
    transform(bytes, stream.into(), limit).await
}

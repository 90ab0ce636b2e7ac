//! Checks of the content blocks a component returns, before a client sees them.

use crate::runtime::ContentBlock;
use crate::runtime::catalog;

/// Content blocks of one result may hold at most this many bytes (media, text, resources).
const MAX_CONTENT_BYTES: usize = 8 << 20;

/// Content blocks a client can use: bounded in total, media types of the form `type/subtype`.
pub fn check(content: &[ContentBlock]) -> Result<(), String> {
    let valid_type = |t: &str| {
        t.len() <= 100 && t.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && t.bytes().all(|b| b.is_ascii_graphic())
    };
    let mut bytes = 0;
    for block in content {
        let mime = match block {
            ContentBlock::Text(_) => None,
            ContentBlock::Image(media) | ContentBlock::Audio(media) => Some(&media.mime_type),
            ContentBlock::Resource(r) => {
                if r.uri.is_empty() || r.uri.len() > catalog::MAX_URI_BYTES {
                    return Err("an embedded resource needs a URI of at most 2048 bytes".into());
                }
                Some(&r.mime_type)
            }
        };
        if let Some(mime) = mime.filter(|m| !valid_type(m)) {
            return Err(format!("'{}' is not a media type", mime.chars().take(100).collect::<String>()));
        }
        bytes += crate::runtime::content_bytes(block);
    }
    if bytes > MAX_CONTENT_BYTES {
        return Err(format!("content blocks of {bytes} bytes (at most {MAX_CONTENT_BYTES})"));
    }
    Ok(())
}

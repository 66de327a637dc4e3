//! Reading request bodies as serenity sends them: JSON, or multipart with a `payload_json` part
//! and `files[n]` parts, plus the URL encoding the routes need.

use super::*;

/// Percent-encodes all but unreserved URL characters.
pub(crate) fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `%XX` escapes (the emoji of reaction routes, `name*=` form fields).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The JSON of a REST body, and the files of a multipart one (whose JSON is the
/// `payload_json` part, or its other text fields). File ids are assigned by the caller.
pub(crate) fn parse_body(content_type: &str, body: &[u8]) -> (Value, Vec<UploadedFile>) {
    if body.is_empty() {
        return (Value::Null, Vec::new());
    }
    let Some(boundary) = multipart_boundary(content_type) else {
        return (
            serde_json::from_slice(body).unwrap_or(Value::Null),
            Vec::new(),
        );
    };
    let mut json = Value::Null;
    let mut fields = serde_json::Map::new();
    let mut files = Vec::new();
    for part in multipart_parts(body, &boundary) {
        let Some(name) = part.name else {
            continue;
        };
        let is_file = part.filename.is_some() || name.starts_with("files[") || name == "file";
        if is_file {
            files.push(UploadedFile {
                id: 0,
                filename: part.filename.unwrap_or_else(|| name.clone()),
                field: name,
                content_type: part.content_type,
                description: None,
                bytes: part.data.to_vec(),
            });
        } else if name == "payload_json" {
            json = serde_json::from_slice(part.data).unwrap_or(Value::Null);
        } else {
            let text = String::from_utf8_lossy(part.data).into_owned();
            fields.insert(name, Value::String(text));
        }
    }
    if json.is_null() && !fields.is_empty() {
        json = Value::Object(fields);
    }
    // `payload_json.attachments[i].id` is the `n` of the `files[n]` part it describes.
    for file in &mut files {
        let index = file
            .field
            .strip_prefix("files[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse::<u64>().ok());
        let described = json["attachments"].as_array().and_then(|list| {
            list.iter()
                .find(|a| index.is_some() && id_field(&a["id"]) == index)
        });
        file.description = described
            .and_then(|a| a["description"].as_str())
            .map(str::to_owned);
    }
    (json, files)
}

pub(crate) fn multipart_boundary(content_type: &str) -> Option<String> {
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    let (_, rest) = content_type.split_once("boundary=")?;
    let boundary = rest.split(';').next()?.trim().trim_matches('"');
    (!boundary.is_empty()).then(|| boundary.to_owned())
}

/// One part of a `multipart/form-data` body.
pub(crate) struct FormPart<'a> {
    pub(crate) name: Option<String>,
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: &'a [u8],
}

/// Splits a `multipart/form-data` body (RFC 7578) into its parts, bytes untouched.
pub(crate) fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Vec<FormPart<'a>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let starts: Vec<usize> = (0..body.len())
        .filter(|i| body[*i..].starts_with(&delimiter))
        .collect();
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let chunk = &body[pair[0] + delimiter.len()..pair[1]];
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let Some(split) = chunk.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let mut part = FormPart {
            name: None,
            filename: None,
            content_type: None,
            data: &chunk[split + 4..],
        };
        for line in head.split("\r\n") {
            let Some((header, value)) = line.split_once(':') else {
                continue;
            };
            match header.trim().to_ascii_lowercase().as_str() {
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                "content-disposition" => {
                    for (key, value) in disposition_params(value) {
                        match key.as_str() {
                            "name" => part.name = Some(value),
                            "filename" => part.filename = Some(value),
                            "name*" | "filename*" => {
                                let encoded = value.split("''").nth(1).unwrap_or(&value);
                                let decoded = Some(percent_decode(encoded));
                                if key == "name*" {
                                    part.name = decoded;
                                } else {
                                    part.filename = decoded;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        parts.push(part);
    }
    parts
}

/// The `key=value` parameters of a Content-Disposition value (quoted values unescaped).
pub(crate) fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type (`form-data`).
    while chars.next_if(|c| *c != ';').is_some() {}
    loop {
        while chars.next_if(|c| *c == ';' || c.is_whitespace()).is_some() {}
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut text = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next()),
                    '"' => break,
                    c => text.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ';') {
                text.push(c);
            }
        }
        params.push((key.trim().to_ascii_lowercase(), text));
    }
    params
}

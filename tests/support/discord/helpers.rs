//! Small pieces the routes share: Discord's error answers, message edits and attachments,
//! mentions, and snowflake times.

use super::*;

pub(crate) fn ok(json: Value) -> (StatusCode, Option<Value>, bool) {
    (StatusCode::OK, Some(json), true)
}

pub(crate) fn no_content() -> (StatusCode, Option<Value>, bool) {
    (StatusCode::NO_CONTENT, None, true)
}

pub(crate) fn error_body(
    status: StatusCode,
    code: u64,
    message: &str,
) -> (StatusCode, Option<Value>) {
    (status, Some(json!({"message": message, "code": code})))
}

pub(crate) fn discord_error(
    status: StatusCode,
    code: u64,
    message: &str,
) -> (StatusCode, Option<Value>, bool) {
    let (status, body) = error_body(status, code, message);
    (status, body, true)
}

pub(crate) fn unknown_channel() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
}

pub(crate) fn unknown_message() -> (StatusCode, Option<Value>, bool) {
    discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
}

/// Discord's answer to a reply whose target is gone (unless `fail_if_not_exists` is false) or
/// in another channel.
pub(crate) fn bad_reply(other_channel: bool) -> (StatusCode, Option<Value>, bool) {
    let (code, message) = if other_channel {
        (
            "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL",
            "Cannot reply to a message in a different channel",
        )
    } else {
        ("REPLIES_UNKNOWN_MESSAGE", "Unknown message")
    };
    let body = json!({
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {"message_reference": {"_errors": [{"code": code, "message": message}]}},
    });
    (StatusCode::BAD_REQUEST, Some(body), true)
}

pub(crate) fn invalid_form(field: &str) -> (StatusCode, Option<Value>, bool) {
    let body = json!({
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {field: {"_errors": [{"code": "BASE_TYPE_BAD", "message": "Invalid value."}]}},
    });
    (StatusCode::BAD_REQUEST, Some(body), true)
}

pub(crate) fn not_found_route() -> (StatusCode, Option<Value>, bool) {
    (
        StatusCode::NOT_FOUND,
        Some(json!({"message": "404: Not Found", "code": 0})),
        false,
    )
}

/// Reads an id that Discord clients send either as a string or as a number.
pub(crate) fn id_field(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

pub(crate) fn non_null_array(value: &Value) -> Value {
    if value.is_array() {
        value.clone()
    } else {
        json!([])
    }
}

/// Applies the fields present in an edit body (PATCH or UPDATE_MESSAGE data) and its uploaded
/// files to a message.
pub(crate) fn apply_edit(message: &mut SentMessage, body: &Value, files: &[UploadedFile]) {
    keep_and_add_files(&mut message.attachments, body, files);
    if let Some(content) = body.get("content") {
        message.content = content.as_str().unwrap_or("").to_owned();
    }
    if let Some(components) = body.get("components") {
        message.components = non_null_array(components);
    }
    if let Some(embeds) = body.get("embeds") {
        message.embeds = non_null_array(embeds);
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        message.flags = flags;
    }
    message.edited = true;
}

/// Copies every field of `edit` into the object `data` (replacing a non-object `data`).
pub(crate) fn merge_message_data(data: &mut Value, edit: &Value) {
    if !data.is_object() {
        *data = json!({});
    }
    if let (Some(target), Some(source)) = (data.as_object_mut(), edit.as_object()) {
        for (key, value) in source {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// (file name, bytes) of each file, as tests compare them.
pub(crate) fn file_pairs(files: &[UploadedFile]) -> Vec<(String, Vec<u8>)> {
    files
        .iter()
        .map(|f| (f.filename.clone(), f.bytes.clone()))
        .collect()
}

/// Applies a create or edit body to a message's files: when the body lists `attachments`,
/// only the existing ones it names stay (as Discord does); uploaded files are appended.
pub(crate) fn keep_and_add_files(
    kept: &mut Vec<UploadedFile>,
    body: &Value,
    files: &[UploadedFile],
) {
    if let Some(listed) = body.get("attachments").and_then(Value::as_array) {
        let keep: Vec<u64> = listed.iter().filter_map(|a| id_field(&a["id"])).collect();
        kept.retain(|file| keep.contains(&file.id));
    }
    kept.extend(files.iter().cloned());
}

/// The attachment objects of an interaction message after a create or edit body: `existing`
/// ones it keeps (see `keep_and_add_files`) plus the uploaded files.
pub(crate) fn attachment_objects(
    channel_id: u64,
    existing: &Value,
    body: &Value,
    files: &[UploadedFile],
) -> Value {
    let mut objects = existing.as_array().cloned().unwrap_or_default();
    if let Some(listed) = body.get("attachments").and_then(Value::as_array) {
        let keep: Vec<u64> = listed.iter().filter_map(|a| id_field(&a["id"])).collect();
        objects.retain(|object| id_field(&object["id"]).is_some_and(|id| keep.contains(&id)));
    }
    objects.extend(files.iter().map(|file| upload_json(channel_id, file)));
    json!(objects)
}

/// The attachment object of a file the bot uploaded.
pub(crate) fn upload_json(channel_id: u64, file: &UploadedFile) -> Value {
    let size = u64::try_from(file.bytes.len()).unwrap_or(u64::MAX);
    let mut json = attachment_json(channel_id, file.id, &file.filename, size);
    json["content_type"] = json!(file.content_type);
    if let Some(description) = &file.description {
        json["description"] = json!(description);
    }
    json
}

/// An attachment object with CDN URLs signed the way Discord signs them today
/// (`?ex=<expiry>&is=<issued>&hm=<mac>&`, hex), issued when the attachment was created.
pub(crate) fn attachment_json(channel_id: u64, id: u64, filename: &str, size: u64) -> Value {
    let issued = (id >> 22).saturating_add(DISCORD_EPOCH_MS) / 1000;
    let expires = issued + 24 * 3600;
    let mac: String = [
        0x9e37_79b9_7f4a_7c15_u64,
        0xc2b2_ae3d_27d4_eb4f,
        0x1656_67b1_9e37_79f9,
        0x85eb_ca77_c2b2_ae63,
    ]
    .iter()
    .map(|salt| {
        format!(
            "{:016x}",
            id.wrapping_mul(*salt) ^ channel_id.rotate_left(29)
        )
    })
    .collect();
    let path = format!("attachments/{channel_id}/{id}/{}", url_encode(filename));
    let query = format!("?ex={expires:08x}&is={issued:08x}&hm={mac}&");
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": format!("https://cdn.discordapp.com/{path}{query}"),
        "proxy_url": format!("https://media.discordapp.net/{path}{query}"),
    })
}

/// The media type Discord reports for a few common file names (none for the others).
pub(crate) fn guess_content_type(filename: &str) -> Option<&'static str> {
    let extension = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "mp4" => "video/mp4",
        _ => return None,
    })
}

/// Empties what the MESSAGE_CONTENT intent guards, as Discord does without it.
pub(crate) fn blank_content(message: &mut Value) {
    message["content"] = json!("");
    message["embeds"] = json!([]);
    message["attachments"] = json!([]);
    message["components"] = json!([]);
    if let Some(object) = message.as_object_mut() {
        object.remove("poll");
    }
}

/// User and role ids mentioned as `<@id>`, `<@!id>` and `<@&id>` in message content.
pub(crate) fn parse_mentions(content: &str) -> (Vec<u64>, Vec<u64>) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for piece in content.split("<@").skip(1) {
        let Some((inner, _)) = piece.split_once('>') else {
            continue;
        };
        if let Some(role) = inner.strip_prefix('&') {
            if let Ok(id) = role.parse() {
                roles.push(id);
            }
        } else if let Ok(id) = inner.trim_start_matches('!').parse() {
            if !users.contains(&id) {
                users.push(id);
            }
        }
    }
    (users, roles)
}

/// When a snowflake was minted, from its timestamp bits.
pub(crate) fn snowflake_time(id: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis((id >> 22) + DISCORD_EPOCH_MS)
}

/// Formats a time as Discord does: `2024-05-01T12:34:56.789000+00:00`.
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_date(secs / 86_400);
    let seconds_of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60,
        since_epoch.subsec_micros()
    )
}

/// Gregorian (year, month, day) of a count of days since 1970-01-01.
pub(crate) fn civil_date(days_since_epoch: u64) -> (u64, u64, u64) {
    // Count from 0000-03-01 so the leap day ends each 4/100/400-year cycle.
    let days = days_since_epoch + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// Whether message components follow Discord's rules for buttons and menus: at most 5 action
/// rows (type 1) of 1 to 5 buttons or one select menu; a button has a style 1-5, a link button
/// (5) a `url` and no `custom_id`, every other one a `custom_id` of 1-100 characters unique in
/// the message; labels are at most 80 characters.
pub(crate) fn components_valid(components: &Value) -> bool {
    let Some(rows) = components.as_array() else {
        return false;
    };
    let mut ids = std::collections::HashSet::new();
    let mut custom_id_ok = |c: &Value| {
        c["custom_id"]
            .as_str()
            .is_some_and(|id| (1..=100).contains(&id.chars().count()) && ids.insert(id.to_owned()))
    };
    rows.len() <= 5
        && rows.iter().all(|row| {
            let items = row["components"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            row["type"] == 1
                && (1..=5).contains(&items.len())
                && items.iter().all(|c| match c["type"].as_u64() {
                    Some(2) => {
                        let label_ok = c["label"].as_str().is_none_or(|l| l.chars().count() <= 80);
                        label_ok
                            && match c["style"].as_u64() {
                                Some(5) => c["url"].is_string() && c["custom_id"].is_null(),
                                Some(1..=4) => custom_id_ok(c),
                                _ => false,
                            }
                    }
                    Some(3 | 5..=8) => items.len() == 1 && custom_id_ok(c),
                    _ => false,
                })
        })
}

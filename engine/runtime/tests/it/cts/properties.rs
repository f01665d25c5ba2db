//! Java `.properties` files as `java.util.Properties.load` reads them: `#`/`!` comments, `\` line
//! continuations (the next line's leading white space dropped), the key ending at the first unescaped
//! `=`, `:` or white space, and `\uXXXX`, `\t`, `\n`, `\r`, `\f` escapes (any other escaped character
//! stands for itself).

/// The `(key, value)` pairs in file order (a repeated key appears twice; the later one is what Java keeps).
pub fn parse(text: &str) -> Vec<(String, String)> {
    logical_lines(text)
        .iter()
        .map(|line| split_entry(line))
        .collect()
}

/// Joins continued lines and drops blank and comment lines.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current: Option<String> = None;
    for natural in text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
    {
        let trimmed = natural.trim_start_matches(is_blank);
        let line = match current.take() {
            Some(mut pending) => {
                pending.push_str(trimmed);
                pending
            }
            None => {
                if trimmed.is_empty() || trimmed.starts_with(['#', '!']) {
                    continue;
                }
                trimmed.to_owned()
            }
        };
        let trailing_backslashes = line.chars().rev().take_while(|&c| c == '\\').count();
        if trailing_backslashes % 2 == 1 {
            current = Some(line[..line.len() - 1].to_owned());
        } else {
            lines.push(line);
        }
    }
    lines.extend(current);
    lines
}

fn split_entry(line: &str) -> (String, String) {
    let chars: Vec<char> = line.chars().collect();
    let mut key_end = chars.len();
    let mut value_start = chars.len();
    let mut has_separator = false;
    let mut escaped = false;
    for (at, &c) in chars.iter().enumerate() {
        if !escaped && (c == '=' || c == ':') {
            (key_end, value_start, has_separator) = (at, at + 1, true);
            break;
        }
        if !escaped && is_blank(c) {
            (key_end, value_start) = (at, at + 1);
            break;
        }
        escaped = c == '\\' && !escaped;
    }
    while let Some(&c) = chars.get(value_start) {
        if !has_separator && (c == '=' || c == ':') {
            has_separator = true;
        } else if !is_blank(c) {
            break;
        }
        value_start += 1;
    }
    let key: String = chars[..key_end].iter().collect();
    let value: String = chars[value_start.min(chars.len())..].iter().collect();
    (unescape(&key), unescape(&value))
}

/// Resolves escapes; `\u` escapes are UTF-16 code units, so surrogate pairs join up.
fn unescape(text: &str) -> String {
    let mut units: Vec<u16> = Vec::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buffer));
            continue;
        }
        let Some(escaped) = chars.next() else {
            break;
        };
        let unit = match escaped {
            'u' => {
                let hex: String = chars.clone().take(4).collect();
                match u16::from_str_radix(&hex, 16) {
                    Ok(unit) if hex.len() == 4 => {
                        chars.nth(3);
                        unit
                    }
                    // Java refuses a malformed \u escape; keep it as written.
                    _ => {
                        units.extend("\\u".encode_utf16());
                        continue;
                    }
                }
            }
            't' => '\t' as u16,
            'n' => '\n' as u16,
            'r' => '\r' as u16,
            'f' => '\x0c' as u16,
            other => {
                let mut buffer = [0u16; 2];
                units.extend_from_slice(other.encode_utf16(&mut buffer));
                continue;
            }
        };
        units.push(unit);
    }
    String::from_utf16_lossy(&units)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0c')
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text)
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn keys_values_and_comments() {
        let text = "# a comment\n! another\n\nI=doInitialize\nkey : value with spaces \nes=\n  tar={target=%s}\r\nbare\n";
        assert_eq!(
            pairs(text),
            [
                pair("I", "doInitialize"),
                pair("key", "value with spaces "),
                pair("es", ""),
                pair("tar", "{target=%s}"),
                pair("bare", ""),
            ]
        );
    }

    #[test]
    fn the_first_separator_ends_the_key() {
        assert_eq!(
            pairs("Act1V1.commands.0=SET->c~LOC!a=b:c->t->0\n"),
            [pair("Act1V1.commands.0", "SET->c~LOC!a=b:c->t->0")]
        );
        assert_eq!(pairs("a\\=b=c\n"), [pair("a=b", "c")]);
        assert_eq!(pairs("key value\n"), [pair("key", "value")]);
    }

    #[test]
    fn continuations_drop_the_next_lines_leading_space() {
        let text = "k=first\\\n    second\\\n\tthird\nnext=1\n";
        assert_eq!(
            pairs(text),
            [pair("k", "firstsecondthird"), pair("next", "1")]
        );
        // An even number of backslashes is an escaped backslash, not a continuation.
        assert_eq!(pairs("k=a\\\\\nl=b\n"), [pair("k", "a\\"), pair("l", "b")]);
        // A continued line that looks like a comment is still part of the value.
        assert_eq!(pairs("k=a\\\n#b\n"), [pair("k", "a#b")]);
    }

    #[test]
    fn unicode_and_character_escapes() {
        assert_eq!(
            pairs("k=\\u0057\\u0065 \\u6B22\\uD83D\\uDE00\\t\\x\n"),
            [pair("k", "We \u{6B22}\u{1F600}\tx")]
        );
        assert_eq!(pairs("k=\\u00zz\n"), [pair("k", "\\u00zz")]);
    }
}

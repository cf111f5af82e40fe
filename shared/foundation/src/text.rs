//! The one rule for free text a user writes (captions, descriptions, notes):
//! no C0 or C1 control characters other than newline and tab, and no bidi
//! embedding, override or isolate controls. Such characters are invisible or
//! rewrite what a reader sees (`"invoice\u{202e}gnp.exe"` reads as
//! `invoice.exe.png`), and a NUL or an escape sequence has no place in text
//! that goes to TikTok, a log line or a terminal.

/// The first character the rule refuses: its 0-based position in
/// characters, and the character.
pub fn forbidden_char(text: &str) -> Option<(usize, char)> {
    text.chars().enumerate().find(|(_, c)| is_forbidden(*c))
}

fn is_forbidden(c: char) -> bool {
    let control = c.is_control() && c != '\n' && c != '\t';
    let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    control || bidi
}

/// `field` is refused: a message naming the position and the code point.
pub fn forbidden_char_message(field: &str, position: usize, c: char) -> String {
    format!(
        "{field} has a control or bidi-override character (U+{:04X}) at character {position}; \
         only newline and tab are allowed among control characters",
        u32::from(c)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_found_newline_and_tab_are_not() {
        assert_eq!(forbidden_char("line one\nline\ttwo, émoji 😀 #tag"), None);
        assert_eq!(forbidden_char("before\u{0}after"), Some((6, '\u{0}')));
        assert_eq!(forbidden_char("\u{1b}[31mred"), Some((0, '\u{1b}')));
        assert_eq!(forbidden_char("ring\u{7}"), Some((4, '\u{7}')));
        assert_eq!(forbidden_char("cr\r"), Some((2, '\r')));
        assert_eq!(forbidden_char("c1\u{85}"), Some((2, '\u{85}')));
        assert_eq!(forbidden_char("invoice\u{202e}gnp.exe"), Some((7, '\u{202e}')));
        assert_eq!(forbidden_char("isolate\u{2066}x"), Some((7, '\u{2066}')));
    }
}

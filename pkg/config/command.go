package config

import (
	"errors"
	"strconv"
	"strings"
)

// SplitCommand splits a script command line as the model holds it
// (VRRPScript.Script, Notify.Command, Checker.MiscPath, quorum_up, ...)
// into the arguments keepalived 2.2.7 passes to execve(2).
//
// keepalived reads a script keyword's line twice (lib/notify.c
// set_script_params_array, both passes lib/parser.c
// alloc_strvec_quoted_escaped): the first pass reads the command as one
// word, the text between its double quotes with escapes processed; the
// second splits that word into arguments. The model keeps the quoted word
// as written (keepalived's main parser, like our lexer, reads quoted text
// literally), so SplitCommand makes both passes. In each pass:
//
//   - blanks (space, \t, \n, \v, \f, \r) outside quotes separate words;
//     blanks produced by an escape do not;
//   - '...' and "..." group text, the quote characters are removed and
//     adjacent parts join ('abcd" efg "h' is one argument; two single
//     quotes with nothing between them are an empty one);
//   - a backslash escapes, inside single quotes too: \a \b \E \f \n \r \t
//     \v; \nnn octal (up to three digits); \xHH... hex (every hex digit
//     that follows, the last two count); \cC control-C; \C for any other C
//     is C itself, so \\ is a backslash, \' and \" quotes that neither open
//     nor close, and \e an 'e' (keepalived has no \e);
//   - a NUL produced by an escape ends its word (keepalived keeps C
//     strings).
//
// So `script "/bin/echo 'a b' c\\td"` runs /bin/echo with "a b" and
// "c<TAB>d". It returns an error, as keepalived refuses the script, for an
// unterminated quote, a trailing backslash or an empty command; and for a
// double quote in cmd, which no quoted word of keepalived.conf holds.
// TestSplitCommandKeepalived holds keepalived 2.2.7's own splits (its -d
// dump), and TestSplitCommandLive re-runs keepalived when it can.
func SplitCommand(cmd string) ([]string, error) {
	if strings.ContainsRune(cmd, '"') {
		return nil, errors.New("double quote in command " + strconv.Quote(cmd) + ": no quoted word of keepalived.conf holds one")
	}
	// First pass: cmd is the inside of one double-quoted word.
	word, err := splitQuotedEscaped(`"` + cmd + `"`)
	if err != nil {
		return nil, err
	}
	args, err := splitQuotedEscaped(word[0])
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, errors.New("empty command")
	}
	return args, nil
}

// blanks are keepalived's WHITE_SPACE (lib/parser.c).
const blanks = " \t\f\n\r\v"

// splitQuotedEscaped is keepalived 2.2.7's alloc_strvec_quoted_escaped.
func splitQuotedEscaped(src string) ([]string, error) {
	var words []string
	var w []byte
	var quote byte
	i := 0
	for i < len(src) {
		for i < len(src) && strings.IndexByte(blanks, src[i]) >= 0 {
			i++
		}
		if i == len(src) {
			break
		}
		w = w[:0]
	word:
		for i < len(src) {
			special := blanks + `'"\`
			switch quote {
			case '"':
				special = `"\`
			case '\'':
				special = `'\`
			}
			j := strings.IndexAny(src[i:], special)
			if j < 0 {
				if quote != 0 {
					return nil, errors.New("unterminated " + string(quote) + " in " + strconv.Quote(src))
				}
				w = append(w, src[i:]...)
				i = len(src)
				break
			}
			w = append(w, src[i:i+j]...)
			i += j
			switch c := src[i]; {
			case c == '\\':
				if i+1 == len(src) {
					return nil, errors.New("backslash at the end of " + strconv.Quote(src))
				}
				var b byte
				b, i = unescape(src, i+1)
				w = append(w, b)
			case quote != 0:
				quote = 0 // the closing quote
				i++
			case c == '"' || c == '\'':
				quote = c
				i++
			default:
				break word // a blank
			}
		}
		if nul := strings.IndexByte(string(w), 0); nul >= 0 {
			w = w[:nul]
		}
		words = append(words, string(w))
	}
	return words, nil
}

// unescape decodes the escape whose character is src[i] (after the
// backslash) and returns the byte and the index after the escape.
func unescape(src string, i int) (byte, int) {
	c := src[i]
	switch {
	case c == 'x' && i+1 < len(src) && isHex(src[i+1]):
		var v byte
		for i++; i < len(src) && isHex(src[i]); i++ {
			v = v<<4 | hexVal(src[i])
		}
		return v, i
	case c == 'c' && i+1 < len(src):
		return src[i+1] & 0x1f, i + 2
	case c >= '0' && c <= '7':
		v := c - '0'
		i++
		for n := 1; n < 3 && i < len(src) && src[i] >= '0' && src[i] <= '7'; n++ {
			v = v<<3 | (src[i] - '0')
			i++
		}
		return v, i
	}
	switch c {
	case 'a':
		c = '\a'
	case 'b':
		c = '\b'
	case 'E':
		c = 0x1b
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'v':
		c = '\v'
	}
	return c, i + 1
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

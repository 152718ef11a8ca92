// Package quality drops web documents that are not prose: symbol or number soup, link
// lists, menus, bullet lists, repeated lines or characters, and pages of web boilerplate.
//
// Check applies the rules in the order Rules returns them and reports the first one a
// text fails; Filter is the Beam transform that routes failing documents to dead letters
// with the reason "low_quality:<rule>".
//
// The rules make no assumption about word boundaries or punctuation, so they work the
// same for Thai (no spaces between words), Urdu text without sentence punctuation, and
// the Indic scripts, whose vowel signs are combining marks rather than letters: marks are
// counted as letters, and lengths are counted in runes.
//
// Rules, their Params fields, and what they catch:
//
//	letter_share    MinLetterShare             tables of numbers, symbol and emoji soup
//	digit_share     MaxDigitShare              price lists, scores, timetables, flattened tables
//	url_share       MaxURLShare                link lists, e-mail directories
//	boilerplate     BoilerplateHits,           cookie notices, footers, error pages, HTML and
//	                MaxBoilerplateLineShare    template leftovers
//	repeated_chars  RepeatMinCopies,           "!!!!!!!!!!!!", "hahahahahaha", "5555555555555"
//	                RepeatMinRunes
//	repeated_lines  MaxRepeatedLineShare       the same lines over and over (comment widgets,
//	                                           "Share" buttons, spam)
//	bullet_lines    MaxBulletLineShare         pages that are only a bulleted list
//	short_lines     ShortLineRunes,            navigation menus, tag clouds, infoboxes
//	                MaxShortLineShare
//
// MinLines is shared by bullet_lines and short_lines: texts with fewer non-empty lines
// are not judged by their lines.
//
// Check is a pure function and allocates nothing for a passing text of ordinary size; it
// reads the text in one pass for the counts and line statistics, plus fast substring
// scans for URLs, boilerplate markers and repetitions.
package quality

package bot

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"aduan/flows"
)

// LogChat names a chat for the logs. An admin chat, or an office's
// address, keeps its id: the operator needs it to fix the config. A
// citizen's chat (a phone number on WhatsApp) is personal data and never
// appears at info level or above: it is named by a pseudonym, keyed anew
// at each start, so one chat's lines can be followed within a run
// without the logs saying whose they are.
func (d *Desk) LogChat(chat flows.Chat) string {
	if d.toAdmins(chat) {
		return chat.String()
	}
	m := hmac.New(sha256.New, d.logKey[:])
	m.Write([]byte(chat.String()))
	return chat.Channel + ":~" + hex.EncodeToString(m.Sum(nil)[:5])
}

// logErr is a platform's error text for the logs, with the chat's id, if
// it names it, replaced by the chat's log name.
func (d *Desk) logErr(chat flows.Chat, msg string) string {
	if chat.ID == "" || d.toAdmins(chat) {
		return msg
	}
	return strings.ReplaceAll(msg, chat.ID, d.LogChat(chat))
}

// newLogKey makes the key of this run's pseudonyms.
func newLogKey() (k [32]byte) {
	rand.Read(k[:]) // never fails (crypto/rand since Go 1.24)
	return k
}

// Package flows holds aduan's rules: the citizen's conversation, the
// complaint lifecycle and the admins' commands. It is pure: no I/O, no clock,
// no logs. Time and ticket numbers come in as arguments; what to store and
// what to send comes out as data.
package flows

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Chat names one chat on one channel, e.g. {"telegram", "12345"}.
type Chat struct {
	Channel string `json:"channel"`
	ID      string `json:"id"`
}

// String gives the chat as "channel:id", the form used in store keys and logs.
func (c Chat) String() string { return c.Channel + ":" + c.ID }

// officePrefix starts the ID of an office's address on a channel.
const officePrefix = "office:"

// OfficeChat addresses an office's admin chat on a channel. The chat is
// resolved when the message is sent (Config.Resolve), so a changed config
// or a migrated group never strands a queued message.
func OfficeChat(channel, office string) Chat {
	return Chat{Channel: channel, ID: officePrefix + office}
}

// Office returns the office an address names, if it is an office address.
func (c Chat) Office() (string, bool) {
	return strings.CutPrefix(c.ID, officePrefix)
}

// IsZero reports whether the chat is unset.
func (c Chat) IsZero() bool { return c.Channel == "" && c.ID == "" }

// Location is where a problem is: a map point, a typed address, or both.
type Location struct {
	Lat      float64 `json:"lat,omitempty"`
	Lon      float64 `json:"lon,omitempty"`
	HasPoint bool    `json:"has_point,omitempty"`
	Text     string  `json:"text,omitempty"`
}

// IsZero reports whether no location was given.
func (l Location) IsZero() bool { return !l.HasPoint && l.Text == "" }

// MapsURL is a link that opens the point on a map, or "" without a point.
func (l Location) MapsURL() string {
	if !l.HasPoint {
		return ""
	}
	return "https://maps.google.com/?q=" + strconv.FormatFloat(l.Lat, 'f', 6, 64) + "," + strconv.FormatFloat(l.Lon, 'f', 6, 64)
}

// Describe gives the location as one line of text for people.
func (l Location) Describe() string {
	switch {
	case l.HasPoint && l.Text != "":
		return l.Text + " (" + l.MapsURL() + ")"
	case l.HasPoint:
		return l.MapsURL()
	default:
		return l.Text
	}
}

// Choice is one answer offered to a question. ID travels as callback data
// (at most 64 bytes on Telegram); Label is what the person sees.
type Choice struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Keyboard says what a message does to a reply keyboard below the input
// field. Inline choices are separate (Message.Choices).
type Keyboard int

const (
	// KeyboardKeep leaves whatever keyboard is shown.
	KeyboardKeep Keyboard = iota
	// KeyboardLocation offers a button that shares the device's location.
	KeyboardLocation
	// KeyboardQuick offers the texts in Message.Quick as buttons.
	KeyboardQuick
	// KeyboardClear removes a reply keyboard.
	KeyboardClear
)

// Message is one message to send, to a citizen or to an admin chat. Flows
// say what to send; each channel renders it natively.
type Message struct {
	To       Chat     `json:"to"`
	Text     string   `json:"text"`
	Choices  []Choice `json:"choices,omitempty"`
	Keyboard Keyboard `json:"keyboard,omitempty"`
	// Quick holds the buttons of a KeyboardQuick keyboard; the location
	// button's label for KeyboardLocation is its first entry.
	Quick []string `json:"quick,omitempty"`
	// Photos are media content hashes (see store.Media).
	Photos []string `json:"photos,omitempty"`
	// Files are other media: an admin's document, video, voice note or
	// audio passed to the citizen.
	Files []File `json:"files,omitempty"`
	// Ticket is the complaint the message is about. Messages sent to an
	// admin chat with a ticket are remembered, so a command in reply to
	// them acts on the complaint.
	Ticket string `json:"ticket,omitempty"`
	// Relay marks an admin post that carries the complaint or the
	// citizen's words: an admin's reply to it is sent to the citizen.
	// Replies to the bot's other messages stay in the group.
	Relay bool `json:"relay,omitempty"`
	// Thread asks to send the message as a reply to the complaint's latest
	// post in the same chat, so the admins see one thread per complaint.
	Thread bool `json:"thread,omitempty"`
	// ReplyToID is a platform message id in To to reply to.
	ReplyToID string `json:"reply_to_id,omitempty"`
	// Answer marks the office's answer to the citizen (a reply, a status
	// change): its delivery is the complaint's first response.
	Answer bool `json:"answer,omitempty"`
	// OnFail is sent when this message cannot be delivered for good
	// (for example the citizen blocked the bot). "{alasan}" in its text is
	// replaced with the reason.
	OnFail *Message `json:"on_fail,omitempty"`
}

// File is a stored media file that is not a photo.
type File struct {
	// Hash is the content hash (see store.Media).
	Hash string `json:"hash"`
	// Kind is FileDocument, FileVideo, FileVoice or FileAudio.
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	MIME string `json:"mime,omitempty"`
}

// The kinds of File.
const (
	FileDocument = "document"
	FileVideo    = "video"
	FileVoice    = "voice"
	FileAudio    = "audio"
)

// InputKind tells what a citizen or admin sent.
type InputKind string

// The kinds of input a channel delivers.
const (
	InputText     InputKind = "text"
	InputCommand  InputKind = "command"
	InputChoice   InputKind = "choice"
	InputLocation InputKind = "location"
	InputPhoto    InputKind = "photo"
	// InputOther is anything the desk cannot take (a sticker, a voice note,
	// a document, an edited message, a photo that could not be fetched).
	InputOther InputKind = "other"
)

// Other kinds of input, in Input.Other; they choose the prompt given back.
const (
	OtherSticker  = "sticker"
	OtherVoice    = "voice"
	OtherDocument = "document"
	OtherVideo    = "video"
	OtherEdited   = "edited"
	OtherTooLarge = "too_large"
	// OtherBadPhoto is a photo that is empty or cannot be read as an image.
	OtherBadPhoto = "bad_photo"
	// OtherLate is a message that reached the desk long after it was sent
	// (the backlog after a channel was offline); it gets an apology.
	OtherLate    = "late"
	OtherUnknown = "unknown"
)

// Input is one inbound message from a citizen, already converted by its
// channel.
type Input struct {
	Kind InputKind `json:"kind"`
	// Text is the message text, a photo's caption, or a command's arguments.
	Text string `json:"text,omitempty"`
	// Command is the command's name without the slash, lower case.
	Command string `json:"command,omitempty"`
	// Choice is the ID of the button pressed.
	Choice   string   `json:"choice,omitempty"`
	Location Location `json:"location,omitempty"`
	Photos   []string `json:"photos,omitempty"`
	// Files are an admin's document, video, voice note or audio.
	Files []File `json:"files,omitempty"`
	// Group is the album a photo belongs to, if any.
	Group string `json:"group,omitempty"`
	// Other says what an InputOther was.
	Other string `json:"other,omitempty"`
	// Name is the sender's display name.
	Name string `json:"name,omitempty"`
}

// Status is where a complaint stands.
type Status string

// The statuses of a complaint: baru → diproses → selesai, or ditolak.
const (
	StatusNew        Status = "baru"
	StatusInProgress Status = "diproses"
	StatusResolved   Status = "selesai"
	StatusRejected   Status = "ditolak"
)

// Open reports whether the complaint still waits for its office.
func (s Status) Open() bool { return s == StatusNew || s == StatusInProgress }

// EntryKind tells what an entry in a complaint's thread is.
type EntryKind string

// The kinds of thread entries.
const (
	EntryCitizen EntryKind = "warga"
	EntryReply   EntryKind = "balasan"
	EntryNote    EntryKind = "catatan"
	EntryStatus  EntryKind = "status"
	EntryForward EntryKind = "teruskan"
	// EntryRating is the citizen's rating or its comment.
	EntryRating EntryKind = "nilai"
)

// Entry is one event in a complaint's thread.
type Entry struct {
	At     time.Time `json:"at"`
	Kind   EntryKind `json:"kind"`
	Author string    `json:"author,omitempty"`
	Text   string    `json:"text,omitempty"`
	Photos []string  `json:"photos,omitempty"`
	Files  []File    `json:"files,omitempty"`
}

// Complaint is a submitted complaint and everything that happened to it.
type Complaint struct {
	Ticket      string    `json:"ticket"`
	Citizen     Chat      `json:"citizen"`
	CitizenName string    `json:"citizen_name,omitempty"`
	Category    string    `json:"category"`
	Office      string    `json:"office"`
	Description string    `json:"description"`
	Location    Location  `json:"location,omitempty"`
	Photos      []string  `json:"photos,omitempty"`
	Status      Status    `json:"status"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	Thread      []Entry   `json:"thread,omitempty"`
	// FollowUpAt is when the last post of the citizen's follow-ups was
	// queued; the next waits Config.FollowUpInterval after it.
	FollowUpAt time.Time `json:"followup_at,omitzero"`
	// Pending counts the citizen's newest entries not yet posted to the
	// admins: they go out together in the next follow-up post.
	Pending int `json:"pending,omitempty"`
	// FirstResponseAt is when the citizen first heard from the office: an
	// answer (Message.Answer) that reached them. A reopening keeps it: it
	// is what the statistics count.
	FirstResponseAt time.Time `json:"first_response_at,omitzero"`
	// AnsweredAgainAt is when an answer first reached the citizen after
	// the complaint was last reopened: it ends the first-response
	// deadline that started again.
	AnsweredAgainAt time.Time `json:"answered_again_at,omitzero"`
	// Alerted holds the deadline stages already acted on (reminded,
	// escalated), so each is acted on once.
	Alerted int `json:"alerted,omitempty"`
	// Urgent marks a complaint whose citizen used an emergency word.
	Urgent bool `json:"urgent,omitempty"`
	// Confidential: the citizen's name is shown to the coordinators only.
	Confidential bool `json:"confidential,omitempty"`
	// Erased: the citizen's personal data was erased (hapus, retention).
	Erased bool `json:"erased,omitempty"`
	// MergedInto is the complaint this one was merged into (/gabung);
	// Followers are the citizens of complaints merged into this one.
	MergedInto string     `json:"merged_into,omitempty"`
	Followers  []Follower `json:"followers,omitempty"`
	// ResolvedAt is when it was last resolved; ReopenedAt when the citizen
	// last reopened it (its deadlines count from then).
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ReopenedAt time.Time `json:"reopened_at,omitzero"`
	// The citizen's verdict: asked when resolved, a rating from 1 to 5
	// and an optional comment.
	RatingAskedAt time.Time `json:"rating_asked_at,omitzero"`
	Rating        int       `json:"rating,omitempty"`
	RatedAt       time.Time `json:"rated_at,omitzero"`
	RatingComment string    `json:"rating_comment,omitempty"`
	// Head is set on a complaint read without its thread, for a status
	// line: Answer then holds LastAnswer. Such a complaint is never
	// stored back.
	Head   bool   `json:"-"`
	Answer string `json:"-"`
}

// since is when the complaint's deadlines count from: its arrival, or
// its reopening.
func (c *Complaint) since() time.Time {
	if c.reopened() {
		return c.ReopenedAt
	}
	return c.Created
}

func (c *Complaint) reopened() bool { return c.ReopenedAt.After(c.Created) }

// responded reports whether an answer reached the citizen since the
// complaint came, or since it was last reopened.
func (c *Complaint) responded() bool {
	if c.reopened() {
		return !c.AnsweredAgainAt.IsZero()
	}
	return !c.FirstResponseAt.IsZero()
}

// Due asks the desk to come back to a complaint at a time, with
// FlushFollowUps.
type Due struct {
	Ticket string
	At     time.Time
}

// TicketNumber formats a ticket: PREFIX-YYYY-NNNNNN.
func TicketNumber(prefix string, year int, seq uint64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, seq)
}

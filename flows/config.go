package flows

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Office is a government office (OPD) that owns complaints.
type Office struct {
	ID   string
	Name string
	// Chats are the office's own admin chats; without one, its complaints
	// go to the coordinator's chats.
	Chats []Chat
}

// Category is a kind of complaint, owned by one office.
type Category struct {
	ID    string
	Label string
	// Office is the ID of the owning office.
	Office           string
	PhotoRequired    bool
	LocationRequired bool
	// FirstResponse and RemindBefore, when set, replace the desk's
	// deadlines for this category.
	FirstResponse time.Duration
	RemindBefore  time.Duration
	// Kind is KindComplaint or KindConsultation.
	Kind string
	// Staff is how a consultation's answers are signed for the citizen
	// ("Dokter jaga"); the office's name when empty.
	Staff string
	// PublicDescription and PublicLocation let the public API show the
	// complaints' description and (rounded) place.
	PublicDescription bool
	PublicLocation    bool
}

// The kinds of category.
const (
	// KindComplaint: category, description, location, photos.
	KindComplaint = ""
	// KindConsultation (Matur Dokter): a question, then a conversation
	// with the office's staff in its thread until /selesai.
	KindConsultation = "konsultasi"
)

// consultation reports whether a category is a consultation.
func (c *Config) consultation(category string) bool {
	k, _ := c.Category(category)
	return k.Kind == KindConsultation
}

// Config is what the rules need to know about one regency's desk.
type Config struct {
	TicketPrefix string
	// Coordinator is the ID of the coordinating office (Diskominfo).
	Coordinator string
	// CoordinatorChats see every complaint whose office has no chat, and
	// may act on every complaint.
	CoordinatorChats []Chat
	Offices          []Office
	Categories       []Category
	// AdminUsers, when it names users of a channel, narrows who may act in
	// that channel's admin chats to them. Keys are "channel:user id".
	AdminUsers     map[string]bool
	DescriptionMin int
	DescriptionMax int
	// MaxPhotos caps the photos of one complaint.
	MaxPhotos int
	// ShowAdminName shows the admin's name to the citizen in replies.
	ShowAdminName bool
	// FollowUpInterval is the least time between two posts of a citizen's
	// follow-ups on one complaint; what comes meanwhile is merged into the
	// next post. Zero posts each at once.
	FollowUpInterval time.Duration
	// ThreadLimit caps the entries of a complaint's thread; past it the
	// citizen is asked to wait for an answer.
	ThreadLimit int
	// Deadlines are when complaints must be answered and resolved; zero
	// keeps none.
	Deadlines Deadlines
	// Emergency are the words that get the emergency numbers at once.
	Emergency Emergency
	// DuplicateRadius is how near (metres) an open complaint of the same
	// category must be to flag a new one as possibly the same; zero: never.
	DuplicateRadius float64
	// Retention is how long after it closed a complaint keeps its
	// citizen's personal data; zero keeps it.
	Retention time.Duration
	// ConsoleURL is the console's address as admins reach it (web.
	// public_url), for links to complaints in admin chats; "" gives none.
	ConsoleURL string
	// Channels are the capabilities of each channel by name; a channel not
	// named has DefaultCaps.
	Channels map[string]Caps
	Texts    Texts
	// phrased are Texts phrased for each of Channels (see prepare).
	phrased map[string]*Texts
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Validate checks that the config is complete and consistent. Errors name
// the config key at fault.
func (c *Config) Validate() error {
	if !regexp.MustCompile(`^[A-Z][A-Z0-9]{0,9}$`).MatchString(c.TicketPrefix) {
		return fmt.Errorf("ticket_prefix: %q must be 1 to 10 capital letters or digits, starting with a letter", c.TicketPrefix)
	}
	if len(c.Offices) == 0 {
		return fmt.Errorf("offices: at least one office is needed")
	}
	seen := map[string]bool{}
	for i, o := range c.Offices {
		if !idPattern.MatchString(o.ID) {
			return fmt.Errorf("offices[%d].id: %q must be 1 to 32 lower-case letters, digits, - or _", i, o.ID)
		}
		if seen[o.ID] {
			return fmt.Errorf("offices[%d].id: %q is used twice", i, o.ID)
		}
		seen[o.ID] = true
		if strings.TrimSpace(o.Name) == "" {
			return fmt.Errorf("offices[%d].name: must not be empty", i)
		}
	}
	if !seen[c.Coordinator] {
		return fmt.Errorf("coordinator: %q is not an office id", c.Coordinator)
	}
	if len(c.Categories) == 0 {
		return fmt.Errorf("categories: at least one category is needed")
	}
	cats := map[string]bool{}
	for i, k := range c.Categories {
		if !idPattern.MatchString(k.ID) {
			return fmt.Errorf("categories[%d].id: %q must be 1 to 32 lower-case letters, digits, - or _", i, k.ID)
		}
		if cats[k.ID] {
			return fmt.Errorf("categories[%d].id: %q is used twice", i, k.ID)
		}
		cats[k.ID] = true
		if strings.TrimSpace(k.Label) == "" {
			return fmt.Errorf("categories[%d].label: must not be empty", i)
		}
		if !seen[k.Office] {
			return fmt.Errorf("categories[%d].office: %q is not an office id", i, k.Office)
		}
		if k.Kind != KindComplaint && k.Kind != KindConsultation {
			return fmt.Errorf("categories[%d].kind: %q must be empty (a complaint) or %q", i, k.Kind, KindConsultation)
		}
	}
	if c.DescriptionMin < 1 || c.DescriptionMax < c.DescriptionMin || c.DescriptionMax > 3000 {
		return fmt.Errorf("description: min_chars (%d) and max_chars (%d) must satisfy 1 <= min <= max <= 3000", c.DescriptionMin, c.DescriptionMax)
	}
	if c.MaxPhotos < 1 || c.MaxPhotos > 10 {
		return fmt.Errorf("max_photos: %d must be between 1 and 10", c.MaxPhotos)
	}
	if c.FollowUpInterval < 0 || c.FollowUpInterval > 24*time.Hour {
		return fmt.Errorf("followup_interval: %s must be between 0s and 24h", c.FollowUpInterval)
	}
	if c.ThreadLimit < 10 || c.ThreadLimit > 10000 {
		return fmt.Errorf("thread_limit: %d must be between 10 and 10000", c.ThreadLimit)
	}
	if err := c.Deadlines.validate(); err != nil {
		return err
	}
	for i, k := range c.Categories {
		if k.FirstResponse < 0 || k.RemindBefore < 0 {
			return fmt.Errorf("categories[%d]: first_response and remind_before must not be negative", i)
		}
	}
	if err := c.Texts.validate(); err != nil {
		return err
	}
	c.prepare()
	return nil
}

// Office returns the office with the given ID.
func (c *Config) Office(id string) (Office, bool) {
	for _, o := range c.Offices {
		if o.ID == id {
			return o, true
		}
	}
	return Office{}, false
}

// OfficeName returns the office's name, or the ID when unknown.
func (c *Config) OfficeName(id string) string {
	if o, ok := c.Office(id); ok {
		return o.Name
	}
	return id
}

// Category returns the category with the given ID.
func (c *Config) Category(id string) (Category, bool) {
	for _, k := range c.Categories {
		if k.ID == id {
			return k, true
		}
	}
	return Category{}, false
}

// OfficeChats returns where an office's complaints are posted.
func (c *Config) OfficeChats(office string) []Chat {
	if o, ok := c.Office(office); ok && len(o.Chats) > 0 {
		return o.Chats
	}
	return c.CoordinatorChats
}

// officeAddresses returns an office's address on each channel where its
// complaints are posted.
func (c *Config) officeAddresses(office string) []Chat {
	var out []Chat
	for _, chat := range c.OfficeChats(office) {
		to := OfficeChat(chat.Channel, office)
		if !containsChat(out, to) {
			out = append(out, to)
		}
	}
	return out
}

// Resolve turns an office's address into the admin chat it stands for now
// (the office's own chat on that channel, else the coordinators'); ok is
// false when the office has none there. A plain chat resolves to itself.
func (c *Config) Resolve(to Chat) (Chat, bool) {
	office, isOffice := to.Office()
	if !isOffice {
		return to, true
	}
	for _, chat := range c.OfficeChats(office) {
		if chat.Channel == to.Channel {
			return chat, true
		}
	}
	return Chat{}, false
}

// IsAdminChat reports whether a chat is one of the configured admin chats.
func (c *Config) IsAdminChat(chat Chat) bool {
	if containsChat(c.CoordinatorChats, chat) {
		return true
	}
	for _, o := range c.Offices {
		if containsChat(o.Chats, chat) {
			return true
		}
	}
	return false
}

// AdminAllowed reports whether a user in an admin chat may act: anyone
// in an admin chat, unless AdminUsers lists users of that channel.
func (c *Config) AdminAllowed(channel, userID string) bool {
	if c.AdminUsers[channel+":"+userID] {
		return true
	}
	for key := range c.AdminUsers {
		if strings.HasPrefix(key, channel+":") {
			return false
		}
	}
	return true
}

// mayAct reports whether an admin chat may act on a complaint: its office's
// chats and the coordinator's chats may.
func (c *Config) mayAct(chat Chat, cp *Complaint) bool {
	return containsChat(c.CoordinatorChats, chat) || containsChat(c.OfficeChats(cp.Office), chat)
}

func containsChat(chats []Chat, chat Chat) bool {
	for _, c := range chats {
		if c == chat {
			return true
		}
	}
	return false
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

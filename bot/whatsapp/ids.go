package whatsapp

import (
	"fmt"

	"go.mau.fi/whatsmeow/types"

	"aduan/flows"
)

// MakeChat is the desk's chat for a WhatsApp JID (a citizen's LID or
// phone number, or a group), without a device part.
func MakeChat(jid types.JID) flows.Chat {
	return flows.Chat{Channel: ChannelName, ID: jid.ToNonAD().String()}
}

// ParseChat is the WhatsApp JID of a desk chat.
func ParseChat(chat flows.Chat) (types.JID, error) {
	if chat.Channel != ChannelName {
		return types.JID{}, fmt.Errorf("whatsapp: chat %s is on another channel", chat)
	}
	jid, err := types.ParseJID(chat.ID)
	if err != nil {
		return types.JID{}, fmt.Errorf("whatsapp: chat id %q: %w", chat.ID, err)
	}
	if jid.User == "" {
		return types.JID{}, fmt.Errorf("whatsapp: chat id %q has no user part", chat.ID)
	}
	return jid, nil
}

// citizenKey is the JID a citizen is known by: the LID when WhatsApp gave
// one, as the sender or its alternative, else the phone number.
func citizenKey(src types.MessageSource) types.JID {
	switch {
	case src.Sender.Server == types.HiddenUserServer:
		return src.Sender.ToNonAD()
	case src.SenderAlt.Server == types.HiddenUserServer:
		return src.SenderAlt.ToNonAD()
	}
	return src.Sender.ToNonAD()
}

package telegram

import "time"

// SetWebhookCheck makes the webhook's state be asked every d; it returns
// the undo.
func SetWebhookCheck(d time.Duration) func() {
	old := webhookCheck
	webhookCheck = d
	return func() { webhookCheck = old }
}

package flows

import (
	"fmt"
	"sort"
	"strings"
)

// Texts are every sentence citizens and admins read. Defaults are
// Indonesian; config may replace any of them. Words in braces, like
// {tiket}, are filled in when the text is used.
type Texts struct {
	Greeting               string
	Menu                   string
	MenuComplaint          string
	MenuStatus             string
	MenuHelp               string
	Help                   string
	UnknownCommand         string
	AskCategory            string
	AskDescription         string
	DescriptionShort       string
	DescriptionLong        string
	AskLocation            string
	AskLocationOptional    string
	LocationButton         string
	LocationShort          string
	AskPhoto               string
	AskPhotoOptional       string
	SkipWord               string
	DoneWord               string
	PhotoReceived          string
	PhotoLimit             string
	PhotoNeeded            string
	Summary                string
	ConfirmSend            string
	ConfirmEdit            string
	ConfirmCancel          string
	AskEdit                string
	EditCategory           string
	EditDescription        string
	EditLocation           string
	EditPhoto              string
	Submitted              string
	Cancelled              string
	NothingToCancel        string
	DraftInProgress        string
	StaleChoice            string
	NeedText               string
	NeedChoice             string
	NeedLocation           string
	NeedPhoto              string
	Edited                 string
	TooLarge               string
	PhotoInvalid           string
	StatusNone             string
	StatusHeader           string
	StatusLine             string
	StatusWaiting          string
	RateAsk                string
	Emergency              string
	StatsHeader            string
	StatsOffice            string
	StatsUsage             string
	SimilarOpen            string
	AdminPossibleDuplicate string
	AdminNeedMerge         string
	AdminMergeSelf         string
	AdminMergeClosed       string
	AdminMerged            string
	CitizenMerged          string
	ConsultSubmitted       string
	AskQuestion            string
	ConsultSummary         string
	ConsultResolved        string
	ConsultReply           string
	AdminConsultPost       string
	Privacy                string
	ConfirmConfidential    string
	ConfidentialName       string
	EraseAsk               string
	EraseYes               string
	EraseNo                string
	EraseKept              string
	EraseNothing           string
	Erased                 string
	ErasedText             string
	UrgentMark             string
	NotFixedButton         string
	RateThanks             string
	RateChanged            string
	RateNotResolved        string
	CommentThanks          string
	ReopenTooLate          string
	Reopened               string
	AdminRated             string
	AdminRatingComment     string
	AdminReopened          string
	StatusAnswer           string
	StatusOlder            string
	ThreadAdded            string
	ThreadFull             string
	LateMessage            string
	ChooseButtons          string
	ChooseNumbers          string
	LocationByButton       string
	LocationByPin          string

	AdminPost           string
	AdminForwardedPost  string
	AdminCitizenMsg     string
	AdminHelp           string
	AdminNoTicket       string
	AdminUnknownTicket  string
	AdminNotYours       string
	AdminNotAllowed     string
	AdminStatusSet      string
	AdminStatusSame     string
	AdminNeedReason     string
	AdminNeedOffice     string
	AdminUnknownOffice  string
	AdminSameOffice     string
	AdminForwarded      string
	AdminNoteSaved      string
	AdminNeedNote       string
	AdminInfo           string
	InfoOmitted         string
	AdminUnsupported    string
	AdminReplyInternal  string
	AdminReplyUnmatched string
	MediaDropped        string
	DeliveryFailed      string
	ChatID              string
	ReasonBlocked       string
	ReasonOther         string
	ReasonNoChat        string
	ChannelDown         string
	RemindFirst         string
	EscalateFirst       string
	RemindResolution    string
	EscalateResolution  string
	DeadlineLine        string
	ConsoleAction       string
	ConsoleReplied      string

	CitizenReply      string
	CitizenInProgress string
	CitizenResolved   string
	CitizenRejected   string
	CitizenForwarded  string
	CitizenCorrection string
}

// DefaultTexts returns the Indonesian texts aduan ships with.
func DefaultTexts() Texts {
	return Texts{
		Greeting: "Selamat datang di layanan aduan masyarakat. 🙏\n" +
			"Data yang Anda kirim (nama, isi aduan, lokasi, foto) hanya dipakai untuk menindaklanjuti aduan dan diteruskan ke dinas yang berwenang. Nomor telepon Anda tidak ditampilkan kepada petugas. Ketik {/privasi} untuk penjelasan.",
		Menu:                   "Silakan pilih:",
		MenuComplaint:          "📝 Buat aduan",
		MenuStatus:             "📋 Aduan saya",
		MenuHelp:               "❓ Bantuan",
		Help:                   "Cara membuat aduan: pilih kategori, tulis uraian masalah, kirim lokasi, lalu foto bila ada. Anda akan menerima nomor tiket, dan jawaban dinas dikirim ke percakapan ini.\n\nPerintah:\n{/aduan} – buat aduan baru\n{/status} – lihat aduan Anda\n{/batal} – batalkan aduan yang sedang diisi\n{/bantuan} – bantuan ini",
		UnknownCommand:         "Perintah itu tidak dikenal.",
		AskCategory:            "Pilih kategori aduan Anda:",
		AskDescription:         "Tuliskan uraian masalahnya ({min}–{maks} karakter): apa yang terjadi, sejak kapan, dan dampaknya.",
		DescriptionShort:       "Uraian terlalu singkat ({jumlah} karakter). Mohon tulis minimal {min} karakter agar petugas dapat memahami masalahnya.",
		DescriptionLong:        "Uraian terlalu panjang ({jumlah} karakter). Mohon ringkas menjadi paling banyak {maks} karakter.",
		AskLocation:            "Di mana lokasinya? {cara_lokasi}, atau ketik alamat/patokan (misalnya: Jl. Pemuda depan SD 2, Klaten Tengah).",
		AskLocationOptional:    "Di mana lokasinya? {cara_lokasi}, ketik alamat/patokan, atau ketik \"lewati\".",
		LocationButton:         "📍 Kirim lokasi",
		LocationShort:          "Alamat terlalu singkat. Mohon tulis alamat atau patokan yang lebih jelas, atau kirim lokasi.",
		AskPhoto:               "Kirim foto masalahnya (boleh lebih dari satu).",
		AskPhotoOptional:       "Kirim foto masalahnya bila ada (boleh lebih dari satu), atau ketik \"lewati\".",
		SkipWord:               "lewati",
		DoneWord:               "lanjut",
		PhotoReceived:          "Foto diterima ({jumlah}). Kirim foto lain, atau ketik \"lanjut\".",
		PhotoLimit:             "Paling banyak {maks} foto. Ketik \"lanjut\" untuk meneruskan.",
		PhotoNeeded:            "Kategori ini memerlukan foto. Mohon kirim minimal satu foto.",
		Summary:                "Periksa aduan Anda:\n\nKategori: {kategori}\nUraian: {pesan}\nLokasi: {lokasi}\nFoto: {jumlah}\n\nKirim aduan ini?",
		ConfirmSend:            "✅ Kirim",
		ConfirmEdit:            "✏️ Ubah",
		ConfirmCancel:          "❌ Batal",
		AskEdit:                "Bagian mana yang ingin diubah?",
		EditCategory:           "Kategori",
		EditDescription:        "Uraian",
		EditLocation:           "Lokasi",
		EditPhoto:              "Foto",
		Submitted:              "Terima kasih. Aduan Anda tercatat dengan nomor {tiket} dan diteruskan ke {dinas}. Jawaban akan dikirim ke percakapan ini. Simpan nomor tiket untuk menanyakan perkembangannya.",
		Cancelled:              "Aduan dibatalkan. Ketik {/aduan} untuk membuat aduan baru.",
		NothingToCancel:        "Tidak ada aduan yang sedang diisi.",
		DraftInProgress:        "Anda sedang mengisi aduan. Lanjutkan di bawah ini, atau ketik {/batal} untuk membatalkan.",
		StaleChoice:            "Pilihan itu sudah tidak berlaku.",
		NeedText:               "Mohon balas dengan teks.",
		NeedChoice:             "Mohon {cara_pilih}.",
		NeedLocation:           "Mohon kirim lokasi atau ketik alamatnya.",
		NeedPhoto:              "Mohon kirim foto.",
		Edited:                 "Pesan yang diubah tidak dapat diproses. Mohon kirim sebagai pesan baru.",
		TooLarge:               "Berkas terlalu besar atau tidak dapat diambil. Mohon kirim ulang sebagai foto biasa.",
		PhotoInvalid:           "Foto tidak dapat dibaca (kosong atau rusak). Mohon kirim ulang fotonya.",
		StatusNone:             "Anda belum memiliki aduan. Ketik {/aduan} untuk membuat aduan.",
		StatusHeader:           "Aduan Anda:",
		StatusLine:             "• {tiket} – {kategori} – {status} – {dinas}",
		StatusWaiting:          "sudah {waktu} sejak masuk",
		StatsHeader:            "📊 Statistik {jumlah} hari terakhir",
		StatsOffice:            "{dinas}\nMasuk {masuk} · dijawab {dijawab} · selesai {selesai} · ditolak {ditolak} · terbuka {terbuka}\nJawaban pertama (median / 90%): {jawab}\nPenyelesaian (median / 90%): {tuntas}\nDijawab tepat waktu: {tepat} · nilai rata-rata: {nilai}\nTerlama terbuka: {terlama}",
		StatsUsage:             "Gunakan /statistik, /statistik 7, /statistik 30 atau /statistik 365.",
		SimilarOpen:            "ℹ️ Masalah serupa di dekat lokasi ini sedang ditangani ({daftar}). Anda tetap dapat mengirim aduan ini.",
		AdminPossibleDuplicate: "🔁 Mungkin sama dengan {daftar} (lokasi berdekatan, kategori sama). Bila benar: balas pesan ini dengan /gabung <tiket>.",
		AdminNeedMerge:         "Sertakan aduan tujuan: balas pesan aduan dengan /gabung <tiket lama>.",
		AdminMergeSelf:         "{tiket} tidak dapat digabung dengan dirinya sendiri.",
		AdminMergeClosed:       "{tiket} sudah berstatus {status}; gabungkan ke aduan yang masih terbuka.",
		AdminMerged:            "🔗 {tiket} digabung ke {tujuan}. Warga {tiket} akan menerima setiap jawaban untuk {tujuan}.",
		CitizenMerged:          "Aduan {tiket} digabung dengan {tujuan} yang menangani masalah yang sama di {dinas}. Setiap jawaban untuk {tujuan} juga dikirim kepada Anda.",
		ConsultSubmitted:       "Terima kasih. Pertanyaan Anda tercatat dengan nomor {tiket} dan diteruskan ke {dinas}. Petugas akan menjawab di percakapan ini; Anda dapat terus menulis di sini.",
		AskQuestion:            "Tuliskan pertanyaan Anda ({min}–{maks} karakter): keluhannya, sejak kapan, dan untuk siapa (umur bila perlu). Foto boleh dikirim juga.",
		ConsultSummary:         "Periksa pertanyaan Anda:\n\nKategori: {kategori}\nPertanyaan: {pesan}\nFoto: {jumlah}\n\nKirim pertanyaan ini?",
		ConsultResolved:        "Konsultasi {tiket} telah diakhiri oleh {dinas}.{catatan}\nSemoga lekas membaik. Bila ada keluhan baru, silakan bertanya lagi.",
		ConsultReply:           "{petugas} ({tiket}):\n{pesan}",
		AdminConsultPost:       "🩺 KONSULTASI {tiket}\nKategori: {kategori}\nDinas: {dinas}\nPenanya: {pelapor}\nStatus: {status}\n\n{pesan}\n\nBalas pesan ini (atau pesan lanjutan warga) untuk menjawab. /selesai untuk mengakhiri.",
		Privacy:                "Data yang kami simpan: nama tampilan Anda, isi aduan, lokasi dan foto yang Anda kirim, serta percakapan ini. Data itu dipakai hanya untuk menindaklanjuti aduan oleh dinas yang berwenang (UU 27/2022 tentang Pelindungan Data Pribadi). Nomor telepon Anda tidak ditampilkan kepada petugas. Pilih \"Kirim rahasia\" saat mengirim aduan agar nama Anda hanya terlihat oleh koordinator. Ketik {/hapus} untuk menghapus data pribadi Anda; aduan tetap tercatat untuk statistik tanpa data pribadi.",
		ConfirmConfidential:    "🔒 Kirim rahasia",
		ConfidentialName:       "(dirahasiakan)",
		EraseAsk:               "Hapus data pribadi Anda? Nama, isi aduan, lokasi, foto dan percakapan ini dihapus; aduan tetap tercatat tanpa data pribadi untuk statistik, dan jawaban dinas tidak dapat sampai lagi kepada Anda.",
		EraseYes:               "🗑️ Ya, hapus",
		EraseNo:                "Tidak",
		EraseKept:              "Data Anda tidak dihapus.",
		EraseNothing:           "Tidak ada data pribadi Anda yang tersimpan.",
		Erased:                 "Data pribadi Anda sudah dihapus. Terima kasih telah menggunakan layanan ini.",
		ErasedText:             "(dihapus atas permintaan warga)",
		Emergency:              "🚨 Bila ini keadaan darurat, jangan menunggu jawaban di sini. Segera hubungi:\n{nomor}",
		UrgentMark:             "🚨 MENDESAK (warga menyebut keadaan darurat)\n",
		RateAsk:                "Bagaimana penanganannya? Beri nilai 1 (buruk) sampai 5 (sangat baik). Bila masalahnya belum selesai, pilih \"Belum beres\".",
		NotFixedButton:         "🔁 Belum beres",
		RateThanks:             "Terima kasih atas penilaian Anda ({nilai}/5) untuk {tiket}. Bila ingin, tulis komentar Anda sekarang.",
		RateChanged:            "Penilaian {tiket} diubah menjadi {nilai}/5.",
		RateNotResolved:        "Aduan {tiket} belum selesai, jadi belum dapat dinilai.",
		CommentThanks:          "Terima kasih, komentar Anda untuk {tiket} sudah diteruskan.",
		ReopenTooLate:          "Aduan {tiket} sudah ditutup. Bila masalahnya muncul lagi, silakan buat aduan baru.",
		Reopened:               "Aduan {tiket} dibuka kembali dan diteruskan ke {dinas}. Mohon tulis apa yang belum beres.",
		AdminRated:             "⭐ Warga menilai {tiket}: {nilai}/5 {bintang}",
		AdminRatingComment:     "💬 Komentar warga atas penanganan {tiket}:\n{pesan}",
		AdminReopened:          "🔁 Warga menyatakan {tiket} belum beres: status kembali diproses dan batas waktu dihitung ulang. Balas pesan ini untuk menjawab warga.",
		StatusAnswer:           "Jawaban terakhir: {pesan}",
		StatusOlder:            "…dan {jumlah} aduan lama yang sudah selesai atau ditolak.",
		ThreadAdded:            "Pesan Anda ditambahkan ke aduan {tiket} dan diteruskan ke {dinas}.",
		ThreadFull:             "Aduan {tiket} sudah menerima banyak pesan dari Anda. Mohon tunggu jawaban dari {dinas}; pesan ini tidak kami teruskan.",
		LateMessage:            "Mohon maaf, pesan Anda baru kami terima karena layanan sempat terputus. Bila masih perlu, silakan kirim lagi.",
		ChooseButtons:          "pilih salah satu tombol, atau balas dengan angkanya",
		ChooseNumbers:          "balas dengan angka pilihan Anda",
		LocationByButton:       "Tekan tombol \"📍 Kirim lokasi\"",
		LocationByPin:          "Bagikan lokasi (📎 → Lokasi)",

		AdminPost:           "📢 ADUAN {tiket}\nKategori: {kategori}\nDinas: {dinas}\nPelapor: {pelapor}\nLokasi: {lokasi}\nStatus: {status}\n\n{pesan}\n\nBalas pesan ini untuk menjawab warga. /proses /selesai /tolak /teruskan /catatan /info",
		AdminForwardedPost:  "↪️ DITERUSKAN dari {asal}\n{pesan}",
		AdminCitizenMsg:     "💬 Pesan tambahan dari warga untuk {tiket}:\n{pesan}",
		AdminHelp:           "Balas pesan aduan (atau sertakan nomor tiket) dengan:\n• teks/foto – diteruskan ke warga\n/proses – sedang diproses\n/selesai [catatan] – selesai\n/tolak <alasan> – ditolak\n/teruskan <id dinas> – alihkan ke dinas lain ({dinas})\n/catatan <teks> – catatan internal\n/gabung <tiket> – gabungkan ke aduan lama tentang masalah yang sama\n/info – riwayat lengkap\n/statistik [7|30|365] – kinerja dinas",
		AdminNoTicket:       "Balas pesan aduan, atau sertakan nomor tiket (misalnya {tiket}).",
		AdminUnknownTicket:  "Aduan {tiket} tidak ditemukan.",
		AdminNotYours:       "Aduan {tiket} ditangani {dinas}, bukan grup ini.",
		AdminNotAllowed:     "Maaf, Anda tidak terdaftar sebagai admin aduan.",
		AdminStatusSet:      "✅ {tiket}: status menjadi {status}.",
		AdminStatusSame:     "{tiket} sudah berstatus {status}.",
		AdminNeedReason:     "Sertakan alasan: /tolak <alasan>.",
		AdminNeedOffice:     "Sertakan dinas tujuan: /teruskan <id dinas>. Pilihan: {dinas}",
		AdminUnknownOffice:  "Dinas \"{pesan}\" tidak dikenal. Pilihan: {dinas}",
		AdminSameOffice:     "{tiket} sudah ditangani {dinas}.",
		AdminForwarded:      "↪️ {tiket} diteruskan ke {dinas}.",
		AdminNoteSaved:      "📝 Catatan disimpan untuk {tiket} (tidak dikirim ke warga).",
		AdminNeedNote:       "Sertakan isi catatan: /catatan <teks>.",
		AdminUnsupported:    "Pesan jenis ini tidak dapat diteruskan ke warga dan tidak dikirim. Yang dapat diteruskan: teks, foto, dokumen, video, pesan suara, dan audio.",
		AdminReplyInternal:  "ℹ️ Balasan ini tidak dikirim ke warga: pesan yang Anda balas adalah pesan internal. Untuk menjawab warga, balas pesan aduan {tiket} atau pesan warga.",
		AdminReplyUnmatched: "⚠️ Balasan ini tidak dikirim ke warga: pesan yang Anda balas tidak terkait dengan aduan. Balas pesan aduan, atau sertakan nomor tiket pada perintah.",
		MediaDropped:        "📷 (Foto tidak dapat dikirim ke percakapan ini; pesan dikirim tanpa foto.)",
		AdminInfo:           "ℹ️ {tiket}\nKategori: {kategori}\nDinas: {dinas}\nPelapor: {pelapor}\nLokasi: {lokasi}\nStatus: {status}\nMasuk: {waktu}\n\n{pesan}\n\nRiwayat:\n{riwayat}",
		InfoOmitted:         "… {jumlah} entri lebih lama tidak ditampilkan.",
		ChatID:              "ID chat grup ini: {id}\nTulis di config.yaml (telegram.admin_chat_id atau telegram_chat_id sebuah dinas) agar grup ini menjadi grup admin.",
		DeliveryFailed:      "⚠️ Pesan untuk warga pada {tiket} tidak terkirim: {alasan}",
		ReasonBlocked:       "warga memblokir bot atau akunnya tidak ada lagi.",
		ReasonOther:         "ditolak oleh platform.",
		RemindFirst:         "⏰ Pengingat: {jumlah} aduan belum mendapat jawaban pertama. Balas pesan aduannya untuk menjawab warga.\n{daftar}",
		EscalateFirst:       "🚨 {jumlah} aduan lewat batas jawaban pertama:\n{daftar}",
		RemindResolution:    "⏰ Pengingat: {jumlah} aduan mendekati batas penyelesaian.\n{daftar}",
		EscalateResolution:  "🚨 {jumlah} aduan lewat batas penyelesaian:\n{daftar}",
		DeadlineLine:        "• {tiket} – {kategori} – {dinas} – masuk {waktu} lalu, batas {batas}",
		ChannelDown:         "⚠️ Kanal {kanal} bermasalah: {alasan}\nAduan lewat kanal lain tetap dilayani.",
		ReasonNoChat:        "WhatsApp menolak karena warga belum (atau sudah lama tidak) mengirim pesan ke nomor ini.",
		ConsoleAction:       "🖥️ {pengguna} lewat konsol:\n{pesan}",
		ConsoleReplied:      "💬 Balasan untuk {tiket} dikirim ke warga:\n{pesan}",

		CitizenReply:      "Balasan dari {dinas} untuk {tiket}:\n{pesan}",
		CitizenInProgress: "Aduan {tiket} sedang diproses oleh {dinas}.",
		CitizenResolved:   "Aduan {tiket} telah diselesaikan oleh {dinas}.{catatan}\nTerima kasih atas laporan Anda.",
		CitizenRejected:   "Aduan {tiket} tidak dapat ditindaklanjuti oleh {dinas}.\nAlasan: {pesan}",
		CitizenForwarded:  "Aduan {tiket} dialihkan ke {dinas} yang berwenang.",
		CitizenCorrection: "Koreksi dari {dinas} untuk {tiket}:\n{pesan}",
	}
}

// fields maps each config key (texts.<key>) to its field.
func (t *Texts) fields() map[string]*string {
	return map[string]*string{
		"greeting": &t.Greeting, "menu": &t.Menu, "menu_complaint": &t.MenuComplaint,
		"menu_status": &t.MenuStatus, "menu_help": &t.MenuHelp, "help": &t.Help,
		"unknown_command": &t.UnknownCommand, "ask_category": &t.AskCategory,
		"ask_description": &t.AskDescription, "description_short": &t.DescriptionShort,
		"description_long": &t.DescriptionLong, "ask_location": &t.AskLocation,
		"ask_location_optional": &t.AskLocationOptional, "location_button": &t.LocationButton,
		"location_short": &t.LocationShort, "ask_photo": &t.AskPhoto,
		"ask_photo_optional": &t.AskPhotoOptional, "skip_word": &t.SkipWord, "done_word": &t.DoneWord,
		"photo_received": &t.PhotoReceived, "photo_limit": &t.PhotoLimit, "photo_needed": &t.PhotoNeeded,
		"summary": &t.Summary, "confirm_send": &t.ConfirmSend, "confirm_edit": &t.ConfirmEdit,
		"confirm_cancel": &t.ConfirmCancel, "ask_edit": &t.AskEdit, "edit_category": &t.EditCategory,
		"edit_description": &t.EditDescription, "edit_location": &t.EditLocation, "edit_photo": &t.EditPhoto,
		"submitted": &t.Submitted, "cancelled": &t.Cancelled, "nothing_to_cancel": &t.NothingToCancel,
		"draft_in_progress": &t.DraftInProgress, "stale_choice": &t.StaleChoice, "need_text": &t.NeedText,
		"need_choice": &t.NeedChoice, "need_location": &t.NeedLocation, "need_photo": &t.NeedPhoto,
		"edited": &t.Edited, "too_large": &t.TooLarge, "photo_invalid": &t.PhotoInvalid, "status_none": &t.StatusNone,
		"status_header": &t.StatusHeader, "status_line": &t.StatusLine, "status_waiting": &t.StatusWaiting,
		"emergency": &t.Emergency, "consult_submitted": &t.ConsultSubmitted, "ask_question": &t.AskQuestion, "consult_summary": &t.ConsultSummary, "consult_resolved": &t.ConsultResolved,
		"similar_open": &t.SimilarOpen, "stats_header": &t.StatsHeader, "stats_office": &t.StatsOffice, "stats_usage": &t.StatsUsage, "admin_possible_duplicate": &t.AdminPossibleDuplicate, "admin_need_merge": &t.AdminNeedMerge,
		"admin_merge_self": &t.AdminMergeSelf, "admin_merge_closed": &t.AdminMergeClosed, "admin_merged": &t.AdminMerged, "citizen_merged": &t.CitizenMerged, "consult_reply": &t.ConsultReply, "admin_consult_post": &t.AdminConsultPost, "privacy": &t.Privacy, "confirm_confidential": &t.ConfirmConfidential,
		"confidential_name": &t.ConfidentialName, "erase_ask": &t.EraseAsk, "erase_yes": &t.EraseYes, "erase_no": &t.EraseNo,
		"erase_kept": &t.EraseKept, "erase_nothing": &t.EraseNothing, "erased": &t.Erased, "erased_text": &t.ErasedText, "urgent_mark": &t.UrgentMark, "rate_ask": &t.RateAsk, "not_fixed_button": &t.NotFixedButton, "rate_thanks": &t.RateThanks, "rate_changed": &t.RateChanged,
		"rate_not_resolved": &t.RateNotResolved, "comment_thanks": &t.CommentThanks, "reopen_too_late": &t.ReopenTooLate,
		"reopened": &t.Reopened, "admin_rated": &t.AdminRated, "admin_rating_comment": &t.AdminRatingComment, "admin_reopened": &t.AdminReopened, "status_answer": &t.StatusAnswer, "status_older": &t.StatusOlder, "thread_added": &t.ThreadAdded, "thread_full": &t.ThreadFull,
		"late_message": &t.LateMessage, "choose_buttons": &t.ChooseButtons, "choose_numbers": &t.ChooseNumbers,
		"location_by_button": &t.LocationByButton, "location_by_pin": &t.LocationByPin,
		"admin_post": &t.AdminPost, "admin_forwarded_post": &t.AdminForwardedPost,
		"admin_citizen_msg": &t.AdminCitizenMsg, "admin_help": &t.AdminHelp,
		"admin_no_ticket": &t.AdminNoTicket, "admin_unknown_ticket": &t.AdminUnknownTicket,
		"admin_not_yours": &t.AdminNotYours, "admin_not_allowed": &t.AdminNotAllowed,
		"admin_status_set": &t.AdminStatusSet, "admin_status_same": &t.AdminStatusSame,
		"admin_need_reason": &t.AdminNeedReason, "admin_need_office": &t.AdminNeedOffice,
		"admin_unknown_office": &t.AdminUnknownOffice, "admin_same_office": &t.AdminSameOffice,
		"admin_forwarded": &t.AdminForwarded, "admin_note_saved": &t.AdminNoteSaved,
		"admin_need_note": &t.AdminNeedNote, "admin_info": &t.AdminInfo, "info_omitted": &t.InfoOmitted, "admin_unsupported": &t.AdminUnsupported,
		"admin_reply_internal": &t.AdminReplyInternal, "admin_reply_unmatched": &t.AdminReplyUnmatched, "media_dropped": &t.MediaDropped,
		"delivery_failed": &t.DeliveryFailed, "chat_id": &t.ChatID, "reason_blocked": &t.ReasonBlocked, "reason_other": &t.ReasonOther, "reason_no_chat": &t.ReasonNoChat, "channel_down": &t.ChannelDown,
		"remind_first": &t.RemindFirst, "escalate_first": &t.EscalateFirst, "remind_resolution": &t.RemindResolution,
		"escalate_resolution": &t.EscalateResolution, "deadline_line": &t.DeadlineLine,
		"console_action": &t.ConsoleAction, "console_replied": &t.ConsoleReplied,
		"citizen_reply": &t.CitizenReply, "citizen_in_progress": &t.CitizenInProgress,
		"citizen_resolved": &t.CitizenResolved, "citizen_rejected": &t.CitizenRejected,
		"citizen_forwarded": &t.CitizenForwarded, "citizen_correction": &t.CitizenCorrection,
	}
}

// Set replaces the text named by its config key (e.g. "ask_category").
func (t *Texts) Set(key, value string) error {
	f, ok := t.fields()[key]
	if !ok {
		return fmt.Errorf("texts.%s: unknown text (known: %s)", key, strings.Join(TextKeys(), ", "))
	}
	*f = value
	return nil
}

// TextKeys lists the config keys of all texts, sorted.
func TextKeys() []string {
	var t Texts
	keys := make([]string, 0, 80)
	for k := range t.fields() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// required are the placeholders a text cannot do without: a citizen who
// is not told the ticket number cannot ask about it, an answer without
// the admin's words is no answer.
var required = map[string][]string{
	"submitted": {"tiket"}, "thread_added": {"tiket"}, "status_line": {"tiket", "status"}, "status_answer": {"pesan"}, "admin_rated": {"tiket", "nilai"}, "admin_rating_comment": {"tiket", "pesan"},
	"admin_reopened": {"tiket"}, "reopened": {"tiket"}, "emergency": {"nomor"}, "consult_submitted": {"tiket"}, "citizen_merged": {"tiket", "tujuan"}, "admin_possible_duplicate": {"daftar"}, "consult_reply": {"tiket", "pesan"}, "admin_consult_post": {"tiket", "pesan"},
	"citizen_reply": {"tiket", "pesan"}, "citizen_in_progress": {"tiket"}, "citizen_resolved": {"tiket"},
	"citizen_rejected": {"tiket", "pesan"}, "citizen_forwarded": {"tiket", "dinas"}, "citizen_correction": {"tiket", "pesan"},
	"admin_post": {"tiket", "pesan"}, "admin_forwarded_post": {"pesan"}, "admin_citizen_msg": {"tiket", "pesan"},
	"admin_info": {"tiket", "riwayat"}, "admin_status_set": {"tiket", "status"}, "admin_unknown_ticket": {"tiket"},
	"delivery_failed": {"tiket"}, "chat_id": {"id"}, "console_action": {"pesan"}, "channel_down": {"alasan"},
	"remind_first": {"daftar"}, "escalate_first": {"daftar"}, "remind_resolution": {"daftar"}, "escalate_resolution": {"daftar"}, "deadline_line": {"tiket"}, "console_replied": {"tiket", "pesan"}, "summary": {"pesan"},
	"consult_summary": {"pesan"}, "consult_resolved": {"tiket"}, "ask_question": {"min", "maks"},
	"ask_description": {"min", "maks"}, "description_short": {"min"}, "description_long": {"maks"}, "photo_limit": {"maks"},
}

func (t *Texts) validate() error {
	fields := t.fields()
	for _, k := range TextKeys() {
		f := fields[k]
		if strings.TrimSpace(*f) == "" {
			return fmt.Errorf("texts.%s: must not be empty", k)
		}
		for _, p := range required[k] {
			if !strings.Contains(*f, "{"+p+"}") {
				def := DefaultTexts()
				return fmt.Errorf("texts.%s: must contain {%s} (the default: %q)", k, p, *def.fields()[k])
			}
		}
	}
	return nil
}

// fill replaces {name} placeholders with values given as name, value pairs.
func fill(text string, pairs ...string) string {
	return strings.NewReplacer(placeholders(pairs)...).Replace(text)
}

func placeholders(pairs []string) []string {
	out := make([]string, 0, len(pairs))
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, "{"+pairs[i]+"}", pairs[i+1])
	}
	return out
}

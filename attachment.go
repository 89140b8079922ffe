package nrm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Attachment is a file added to a person's record or to a referral: a photo
// of a document, a medical certificate, a signed consent form. Its content
// is part of the record's identity part: a reader without it (a shelter
// with a summary scope) sees that a document exists — kind, type, size,
// date, who added it — never its name or content.
type Attachment struct {
	ID          string
	PersonID    string
	ReferralID  string // the referral it was added to ("" for the record)
	Kind        string // AttachmentKinds
	ContentType string // AttachmentTypes
	Name        string // the file's name; "" unless ContentShown
	Size        int64
	AddedBy     string // user id
	AddedByName string // display name, when known
	AddedOrg    string
	CreatedAt   time.Time
	// ContentShown says the reader may see the name and download the content.
	ContentShown bool
}

// Kinds of attachment.
const (
	AttachIdentityDocument   = "identity_document"
	AttachMedicalCertificate = "medical_certificate"
	AttachConsentForm        = "consent_form"
	AttachOther              = "other"
)

// AttachmentKinds are the kinds, in the order a form offers them.
var AttachmentKinds = []string{AttachIdentityDocument, AttachMedicalCertificate, AttachConsentForm, AttachOther}

// AttachmentTypes are the content types accepted, as checked from the
// content itself, never from the file's name or the client's word.
var AttachmentTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// AttachmentInput is what the person adding a file says about it.
type AttachmentInput struct {
	Kind string
	Name string // the file's name (optional; sealed)
}

// Validate checks the kind and the name, naming the field.
func (in *AttachmentInput) Validate() error {
	var es Errors
	if !slices.Contains(AttachmentKinds, in.Kind) {
		es = append(es, FieldError("kind", "error.attachment_kind"))
	}
	in.Name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(in.Name) > MaxShortText {
		es = append(es, FieldError("file", "error.too_long", MaxShortText))
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

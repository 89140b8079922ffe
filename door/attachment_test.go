package door_test

import (
	"bytes"
	"image/jpeg"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/door"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// photoWithGPS is testenv.PhotoWithGPS, or the test fails.
func photoWithGPS(t *testing.T) []byte {
	t.Helper()
	b, err := testenv.PhotoWithGPS()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pdfWith is a small PDF carrying text.
func pdfWith(text string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text + "\n" + strings.Repeat("0123456789abcdef", 40000) + "\n%%EOF\n")
}

func download(t *testing.T, w *nrmWorld, a *nrm.Actor, personID, id string) []byte {
	t.Helper()
	c, err := w.Door.OpenAttachment(ctx, a, personID, id)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// referForAttach refers an adult who consents, as the border police.
func referForAttach(t *testing.T, w *nrmWorld) string {
	t.Helper()
	res, err := w.Door.Refer(ctx, w.border, nrm.ReferralInput{
		MetOn: "2026-11-20", MetRegion: "tirane", MetHow: "border_check",
		Identity: &nrm.Identity{GivenName: "Mira", FamilyName: "Doku", BirthDate: "1995"},
		Sex:      "female", Nationalities: []string{"ALB"}, Languages: []string{"sq"},
		AgeBasis: nrm.AgeDeclared, AgeYears: ptr(31), Indicators: indicators(t, "labour", "A", "B", "C"), Consent: nrm.ConsentGiven,
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.Person.ID
}

// A PDF and a photo attached to a record: the content is checked by its
// bytes, the photo's EXIF GPS is gone, the bytes are encrypted in the
// database files, a shelter with a summary scope sees only that the
// documents exist and cannot download them, and every list and download
// is audited.
func TestAttachmentsSealedCleanedScoped(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		pid := referForAttach(t, w)
		canary := "Kanarina-" + time.Now().Format("150405.000000")
		pdf := pdfWith(canary)
		photo := photoWithGPS(t)
		if !bytes.Contains(photo, testenv.GPSBytes()) || !bytes.Contains(photo, []byte("Exif")) {
			t.Fatal("the test photo carries no GPS block")
		}

		// Refused by content, whatever the name says.
		_, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachOther, Name: "scan.pdf"}, strings.NewReader("just text, named .pdf"))
		if !slices.Contains(fieldOf(err), "file") || nrm.ErrorOf(err).Key != "error.attachment_type" {
			t.Fatalf("a text file named .pdf: %v", err)
		}
		gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
		if _, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(gif)); nrm.ErrorOf(err).Key != "error.attachment_type" {
			t.Fatalf("a GIF: %v", err)
		}
		if _, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: "selfie"}, bytes.NewReader(pdf)); !slices.Contains(fieldOf(err), "kind") {
			t.Fatalf("an unknown kind: %v", err)
		}
		broken := append([]byte{}, photo[:len(photo)/3]...)
		if _, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(broken)); !slices.Contains(fieldOf(err), "file") {
			t.Fatalf("a broken JPEG: %v", err)
		}

		a1, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachMedicalCertificate, Name: canary + "-certificate.pdf"}, bytes.NewReader(pdf))
		if err != nil {
			t.Fatal(err)
		}
		a2, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachIdentityDocument, Name: "passport.jpg"}, bytes.NewReader(photo))
		if err != nil {
			t.Fatal(err)
		}
		if a1.ContentType != "application/pdf" || a2.ContentType != "image/jpeg" || a1.Size != int64(len(pdf)) {
			t.Fatalf("stored as %+v and %+v", a1, a2)
		}
		var pending int
		if err := w.DB.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE state <> 'ready'`).Scan(&pending)
		}); err != nil || pending != 0 {
			t.Fatalf("refused uploads left %d rows behind (%v)", pending, err)
		}

		// The referrer's organisation sees names and downloads.
		l, err := w.Door.ListAttachments(ctx, w.border, pid)
		if err != nil || len(l.Items) != 2 || !l.Content || !l.MayAdd || l.Items[0].Name != canary+"-certificate.pdf" || l.Items[0].AddedBy != w.border.UserID {
			t.Fatalf("the referrer's list: %+v %v", l, err)
		}
		if got := download(t, w, w.border, pid, a1.ID); !bytes.Equal(got, pdf) {
			t.Fatalf("the PDF came back changed: %d bytes, want %d", len(got), len(pdf))
		}
		got := download(t, w, w.border, pid, a2.ID)
		if bytes.Contains(got, testenv.GPSBytes()) || bytes.Contains(got, []byte("Exif")) || bytes.Contains(got, []byte{0xFF, 0xE1}) {
			t.Fatal("the photo's EXIF GPS survived")
		}
		img, err := jpeg.Decode(bytes.NewReader(got))
		if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 48 {
			t.Fatalf("the cleaned photo: %v %v", img, err)
		}
		if n := auditCount(t, w.world, pid, door.ActAttachmentDownload, "ok"); n != 2 {
			t.Fatalf("want 2 download entries, got %d", n)
		}
		if n := auditCount(t, w.world, pid, door.ActAttachmentAdd, "ok"); n != 2 {
			t.Fatalf("want 2 add entries, got %d", n)
		}

		// A shelter the person allowed the coded summary only.
		if _, err := w.Door.RecordConsent(ctx, w.border, pid, informed(nrm.PurposeShare, nrm.ConsentSummary, nrm.GivenByPerson, "org-b")); err != nil {
			t.Fatal(err)
		}
		sl, err := w.Door.ListAttachments(ctx, w.cmB, pid)
		if err != nil || len(sl.Items) != 2 || sl.Content || sl.MayAdd {
			t.Fatalf("the shelter's list: %+v %v", sl, err)
		}
		for _, it := range sl.Items {
			if it.Name != "" || it.ContentShown || it.Kind == "" || it.CreatedAt.IsZero() {
				t.Fatalf("the shelter sees more or less than that a document exists: %+v", it)
			}
		}
		if _, err := w.Door.OpenAttachment(ctx, w.cmB, pid, a1.ID); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the shelter downloaded: %v", err)
		}
		if _, err := w.Door.AddAttachment(ctx, w.cmB, pid, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(pdf)); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the shelter added: %v", err)
		}
		if n := auditCount(t, w.world, pid, door.ActAttachmentDownload, "denied"); n != 1 {
			t.Fatalf("want 1 refused download entry, got %d", n)
		}
		if n := auditCount(t, w.world, pid, door.ActAttachmentList, "ok"); n != 2 {
			t.Fatalf("want 2 list entries, got %d", n)
		}
		// Another organisation without any consent sees nothing at all.
		if _, err := w.Door.ListAttachments(ctx, w.police, pid); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the police listed: %v", err)
		}

		// On disk: neither the PDF's text nor its name, nor the photo.
		chunks := rawCells(t, w.world, `SELECT data FROM attachment_chunks c JOIN attachments a ON a.id = c.attachment_id WHERE a.person_id = ?`, pid)
		if len(chunks) < 3 {
			t.Fatalf("want the chunks stored, got %d", len(chunks))
		}
		files := databaseFiles(t, w.world, "attachments", "attachment_chunks")
		if !bytes.Contains(files, chunks[0][:64]) {
			t.Fatal("the scan does not see the files: a stored chunk is not found")
		}
		if bytes.Contains(files, []byte(canary)) || bytes.Contains(files, []byte("passport.jpg")) || bytes.Contains(files, got[100:164]) {
			t.Fatal("plaintext of an attachment is in the database files")
		}
	})
}

// A chunk that is dropped from the end, or moved, does not open: the
// download fails rather than give a shortened file.
func TestAttachmentChunksBound(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		pid := referForAttach(t, w)
		a, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(pdfWith("x")))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE attachments SET chunks = chunks - 1 WHERE id = ?`, a.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		c, err := w.Door.OpenAttachment(ctx, w.border, pid, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err == nil {
			t.Fatalf("a truncated attachment downloaded (%d bytes)", b.Len())
		}
	})
}

// Over the configured size: refused naming the field, nothing kept.
func TestAttachmentSizeLimit(t *testing.T) {
	for _, engine := range testenv.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			e := testenv.DoorWith(t, engine, door.Settings{AttachmentMax: 64 << 10})
			e.Org(t, "org-a", nrm.OrgSocialService)
			fr := e.User(t, "fr.user", "org-a", nrm.OrgSocialService, nrm.RoleFirstResponder)
			p, err := e.Door.CreatePerson(ctx, fr, input("Ana", "Lika", "met at the port"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Door.AddAttachment(ctx, fr, p.ID, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(pdfWith("big")))
			if !slices.Contains(fieldOf(err), "file") || nrm.ErrorOf(err).Key != "error.attachment_size" {
				t.Fatalf("a file over the limit: %v", err)
			}
			var n int
			if err := e.DB.View(ctx, func(tx *store.Tx) error {
				return tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM attachments) + (SELECT COUNT(*) FROM attachment_chunks)`).Scan(&n)
			}); err != nil || n != 0 {
				t.Fatalf("a refused upload left %d rows (%v)", n, err)
			}
			if _, err := e.Door.AddAttachment(ctx, fr, p.ID, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(pdfWith("")[:60<<10])); err != nil {
				t.Fatalf("a file under the limit: %v", err)
			}
		})
	}
}

// Retention erases the attachments with the record: rows, chunks and the
// bytes in the files.
func TestAttachmentsErasedByRetention(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		pid := referForAttach(t, w)
		if _, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachConsentForm, Name: "consent.pdf"}, bytes.NewReader(pdfWith("signed"))); err != nil {
			t.Fatal(err)
		}
		secrets := rawCells(t, w.world, `SELECT data FROM attachment_chunks UNION ALL SELECT name FROM attachments`)
		if len(secrets) < 2 {
			t.Fatalf("want stored chunks and name, got %d", len(secrets))
		}
		clock.Advance(11 * 366 * 24 * time.Hour)
		rep, err := w.Door.RunRetention(ctx)
		if err != nil || len(rep.Codes) != 1 {
			t.Fatalf("retention: %+v %v", rep, err)
		}
		l, err := w.Door.ListAttachments(ctx, w.border, pid)
		if err != nil || len(l.Items) != 0 {
			t.Fatalf("the erased record still lists attachments: %+v %v", l, err)
		}
		if left := rawCells(t, w.world, `SELECT data FROM attachment_chunks`); len(left) != 0 {
			t.Fatalf("%d chunks left after erasure", len(left))
		}
		tables := []string{"attachments", "attachment_chunks"}
		files := databaseFiles(t, w.world, tables...)
		if engine == store.Postgres {
			// As in TestRetentionErasesPastPeriod: VACUUM prunes once no
			// older transaction of another test can see the rows.
			for deadline := time.Now().Add(30 * time.Second); survives(files, secrets) && time.Now().Before(deadline); {
				time.Sleep(200 * time.Millisecond)
				if err := w.DB.Scrub(ctx, tables...); err != nil {
					t.Fatal(err)
				}
				files = databaseFiles(t, w.world, tables...)
			}
		}
		for i, sec := range secrets {
			if bytes.Contains(files, sec[:min(len(sec), 200)]) {
				t.Fatalf("erased secret %d survives in the database files", i)
			}
		}
	})
}

// The referrer may add documents to their referral for the configured time
// after sending it, even once the record is no longer theirs to see (here
// it moved to another organisation): they see the list of what they added
// there, never its content, and after the window they may add nothing.
func TestReferrerAddsWithinTheWindow(t *testing.T) {
	forEngines(t, func(t *testing.T, engine string) {
		w := newNRM(t, engine)
		clock := w.UseClock()
		pid := referForAttach(t, w)
		if err := w.DB.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE persons SET owner_org = 'org-a' WHERE id = ?`, pid)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Door.GetPerson(ctx, w.border, pid); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the record moved away is still the officer's to read: %v", err)
		}
		if _, err := w.Door.AddAttachment(ctx, w.cm, pid, nrm.AttachmentInput{Kind: nrm.AttachOther, Name: "their.pdf"}, bytes.NewReader(pdfWith("theirs"))); err != nil {
			t.Fatal(err)
		}
		a, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachConsentForm, Name: "signed.pdf"}, bytes.NewReader(pdfWith("signed")))
		if err != nil {
			t.Fatalf("the referrer within the window: %v", err)
		}
		if a.ReferralID == "" {
			t.Fatal("the document is not tied to the referral")
		}
		l, err := w.Door.ListAttachments(ctx, w.border, pid)
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != a.ID || l.Content || l.Items[0].Name != "" || !l.MayAdd {
			t.Fatalf("the referrer's list within the window: %+v %v", l, err)
		}
		if _, err := w.Door.OpenAttachment(ctx, w.border, pid, a.ID); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the referrer downloaded without access to the record: %v", err)
		}
		l, err = w.Door.ListAttachments(ctx, w.cm, pid)
		if err != nil || len(l.Items) != 2 {
			t.Fatalf("the new owner's list: %+v %v", l, err)
		}
		for _, it := range l.Items {
			if (it.ID == a.ID) != (it.ReferralID != "") || !it.ContentShown {
				t.Fatalf("the new owner's list: %+v", it)
			}
		}
		clock.Advance(door.DefaultAttachWindow + time.Minute)
		if _, err := w.Door.AddAttachment(ctx, w.border, pid, nrm.AttachmentInput{Kind: nrm.AttachOther}, bytes.NewReader(pdfWith("late"))); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the referrer after the window: %v", err)
		}
		if _, err := w.Door.ListAttachments(ctx, w.border, pid); !isCode(err, nrm.ENotFound) {
			t.Fatalf("the referrer's list after the window: %v", err)
		}
	})
}

package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nrm-org/nrm"
	"github.com/nrm-org/nrm/internal/testenv"
	"github.com/nrm-org/nrm/store"
)

// TestBrowserAttachmentsOnAPhone drives the attachments page on a 390×844
// screen: a border police officer opens a record's attachments from its
// page and adds a PDF and a photo carrying EXIF GPS; the stored photo has
// no GPS left, neither file's bytes are in the database file, and nothing
// overflows the screen. A shelter the person allowed the coded summary
// only sees that two documents exist — kind and date — with no name and no
// download link, and the download address answers as for a missing record.
// axe-core finds no WCAG 2.2 AA violation on the page, for either of them.
func TestBrowserAttachmentsOnAPhone(t *testing.T) {
	chrome := testenv.Chromium(t)
	url, a, logins := startDemo(t, store.SQLite)
	ctx := context.Background()
	logins = append(logins, shelterBUser(t, a))

	u, err := a.Door.UserByName(ctx, "policia.kufi")
	if err != nil {
		t.Fatal(err)
	}
	officer := &nrm.Actor{UserID: u.ID, OrgID: u.OrgID, OrgType: nrm.OrgBorderPolice, Roles: u.Roles, Remote: "test"}
	p, err := a.Door.CreatePerson(ctx, officer, nrm.PersonInput{Identity: &nrm.Identity{GivenName: "Attachtest", FamilyName: "Shehu"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Door.RecordConsent(ctx, officer, p.ID, nrm.ConsentInput{Purpose: nrm.PurposeShare, Scope: nrm.ConsentSummary,
		RecipientOrgs: []string{"org-shelter-b"}, GivenBy: nrm.GivenByPerson, How: "written", Language: "sq", TextVersion: "2026.1",
		Explained: nrm.ExplainedPoints}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	const pdfText = "Raport-mjekesor-kanarine"
	pdf := []byte("%PDF-1.4\n% " + pdfText + "\n" + strings.Repeat("0123456789", 30000) + "\n%%EOF\n")
	photo, err := testenv.PhotoWithGPS()
	if err != nil {
		t.Fatal(err)
	}
	pdfPath, photoPath := filepath.Join(dir, "raport.pdf"), filepath.Join(dir, "pasaporta.jpg")
	if err := os.WriteFile(pdfPath, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photoPath, photo, 0o600); err != nil {
		t.Fatal(err)
	}

	br := newBrowser(t, chrome, url, logins)
	br.do("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	br.signIn("policia.kufi")
	add := func(kind, path string, n int) {
		t.Helper()
		br.do("add "+filepath.Base(path),
			chromedp.WaitVisible(`[data-testid=attach-form]`),
			chromedp.SetValue(`#kind`, kind),
			chromedp.SetUploadFiles(`#file`, []string{path}),
			chromedp.Click(`[data-testid=attach-submit]`),
			chromedp.WaitVisible(`[data-testid=attachments] tbody tr:nth-child(`+strconv.Itoa(n)+`)`),
			chromedp.WaitVisible(`[data-testid=attach-added]`))
	}
	br.do("the record's attachments",
		chromedp.Navigate(url+"/persons/"+p.ID),
		chromedp.WaitVisible(`[data-testid=attachments-link]`),
		chromedp.Click(`[data-testid=attachments-link]`),
		chromedp.WaitVisible(`[data-testid=attach-none]`))
	add(nrm.AttachMedicalCertificate, pdfPath, 1)
	add(nrm.AttachIdentityDocument, photoPath, 2)
	if n, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=attachment-download]').length`)); err != nil || n != 2 {
		t.Fatalf("the officer's list: %d download links (%v)", n, err)
	}
	if names := br.text(`[data-testid=attachments]`); !strings.Contains(names, "raport.pdf") || !strings.Contains(names, "pasaporta.jpg") {
		t.Fatalf("the officer's list: %q", names)
	}
	if w, err := chromedp.Run(br.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Fatalf("the page is %d px wide on a 390 px screen (%v)", w, err)
	}
	br.axe("the attachments page with two documents")

	// What was stored: the photo without its GPS, nothing in clear on disk.
	l, err := a.Door.ListAttachments(ctx, officer, p.ID)
	if err != nil || len(l.Items) != 2 {
		t.Fatalf("stored: %+v %v", l, err)
	}
	for _, it := range l.Items {
		c, err := a.Door.OpenAttachment(ctx, officer, p.ID, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		switch it.ContentType {
		case "image/jpeg":
			if bytes.Contains(b.Bytes(), testenv.GPSBytes()) || bytes.Contains(b.Bytes(), []byte("Exif")) {
				t.Fatal("the photo's GPS survived the upload")
			}
		case "application/pdf":
			if !bytes.Equal(b.Bytes(), pdf) {
				t.Fatal("the PDF changed")
			}
		default:
			t.Fatalf("stored as %s", it.ContentType)
		}
	}
	if err := a.Door.DB().Scrub(ctx, "attachment_chunks"); err != nil { // a WAL checkpoint: the bytes reach the file
		t.Fatal(err)
	}
	var files []byte
	for _, f := range []string{a.Door.DB().Path(), a.Door.DB().Path() + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	if len(files) == 0 || bytes.Contains(files, []byte(pdfText)) || bytes.Contains(files, []byte("pasaporta.jpg")) || bytes.Contains(files, photo[200:260]) {
		t.Fatal("an attachment's bytes or name are in clear in the database file")
	}

	// The shelter with a summary scope.
	shelter := newBrowser(t, chrome, url, logins)
	shelter.do("a phone's screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	shelter.signIn("strehez.b")
	shelter.do("the record's attachments as the shelter",
		chromedp.Navigate(url+"/persons/"+p.ID),
		chromedp.WaitVisible(`[data-testid=attachments-link]`),
		chromedp.Click(`[data-testid=attachments-link]`),
		chromedp.WaitVisible(`[data-testid=attach-not-shown]`))
	rows, err := chromedp.Run(shelter.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=attachment]').length`))
	if err != nil || rows != 2 {
		t.Fatalf("the shelter sees %d documents (%v), want 2", rows, err)
	}
	links, err := chromedp.Run(shelter.ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=attachment-download], [data-testid=attach-form]').length`))
	if err != nil || links != 0 {
		t.Fatalf("the shelter has %d download links or forms (%v)", links, err)
	}
	if txt := shelter.text(`main`); strings.Contains(txt, "raport.pdf") || strings.Contains(txt, "pasaporta.jpg") {
		t.Fatal("the shelter sees a file's name")
	}
	shelter.axe("the attachments page as a summary-scope shelter")
	shelter.do("the download address as the shelter", chromedp.Navigate(url+"/persons/"+p.ID+"/attachments/"+l.Items[0].ID), chromedp.WaitVisible(`[data-testid=error-heading]`))
	if body := shelter.text(`main`); strings.Contains(body, pdfText) || strings.Contains(body, "%PDF") {
		t.Fatal("the shelter downloaded the document")
	}
}

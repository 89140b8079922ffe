package testenv

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
)

// gpsMark is the latitude written into PhotoWithGPS's EXIF GPS block: 41
// degrees, 19 minutes, 46.123456 seconds, as rationals (numerator,
// denominator). Its bytes are distinctive enough to look for.
var gpsMark = []uint32{41, 1, 19, 1, 46123456, 1000000}

// GPSBytes is the GPS latitude of PhotoWithGPS as it sits in the file.
func GPSBytes() []byte {
	var b []byte
	for _, v := range gpsMark {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// exifGPS builds an EXIF APP1 segment with a GPS IFD (GPSLatitudeRef "N",
// GPSLatitude gpsMark), little-endian TIFF, as a phone camera writes one.
func exifGPS() []byte {
	le := binary.LittleEndian
	var t []byte
	t = append(t, 'I', 'I', 42, 0)
	t = le.AppendUint32(t, 8) // IFD0 at 8
	// IFD0: one entry, GPSInfo (0x8825) LONG 1 → offset of the GPS IFD.
	t = le.AppendUint16(t, 1)
	t = le.AppendUint16(t, 0x8825)
	t = le.AppendUint16(t, 4)
	t = le.AppendUint32(t, 1)
	gpsIFD := uint32(8 + 2 + 12 + 4)
	t = le.AppendUint32(t, gpsIFD)
	t = le.AppendUint32(t, 0) // no IFD1
	// GPS IFD: two entries.
	t = le.AppendUint16(t, 2)
	t = le.AppendUint16(t, 1) // GPSLatitudeRef ASCII 2 "N\0", inline
	t = le.AppendUint16(t, 2)
	t = le.AppendUint32(t, 2)
	t = append(t, 'N', 0, 0, 0)
	t = le.AppendUint16(t, 2) // GPSLatitude RATIONAL 3 → offset
	t = le.AppendUint16(t, 5)
	t = le.AppendUint32(t, 3)
	t = le.AppendUint32(t, gpsIFD+2+2*12+4)
	t = le.AppendUint32(t, 0)
	for _, v := range gpsMark {
		t = le.AppendUint32(t, v)
	}
	seg := append([]byte("Exif\x00\x00"), t...)
	out := []byte{0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2)) // #nosec G115 -- a few dozen bytes
	return append(out, seg...)
}

// PhotoWithGPS is a 64×48 JPEG with an EXIF GPS block right after its
// start marker, as a phone camera writes a photo.
func PhotoWithGPS() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255}) // #nosec G115 -- x*4 < 256, y*5 < 256
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		return nil, err
	}
	raw := b.Bytes()
	out := append(append(append([]byte{}, raw[:2]...), exifGPS()...), raw[2:]...)
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		return nil, err
	}
	return out, nil
}

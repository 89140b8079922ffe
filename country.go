package nrm

import (
	"slices"
	"strings"
	"sync"
)

// The codes a referral stores for a country and a language. The lists are the
// standards themselves, not a selection: ISO 3166-1 (every officially assigned
// alpha-2 code with its alpha-3, as in Debian's iso-codes 4.15.0, which follows
// the ISO 3166 Maintenance Agency) plus Kosovo, and ISO 639-1 (every two-letter
// code, same source) plus Romani. Names in the reader's language come from
// CLDR through golang.org/x/text (i18n.CountryName, i18n.LanguageName); the
// codes live only here.

// iso3166 is "alpha2:alpha3" for each country.
const iso3166 = "AD:AND AE:ARE AF:AFG AG:ATG AI:AIA AL:ALB AM:ARM AO:AGO AQ:ATA AR:ARG AS:ASM AT:AUT AU:AUS " +
	"AW:ABW AX:ALA AZ:AZE BA:BIH BB:BRB BD:BGD BE:BEL BF:BFA BG:BGR BH:BHR BI:BDI BJ:BEN BL:BLM " +
	"BM:BMU BN:BRN BO:BOL BQ:BES BR:BRA BS:BHS BT:BTN BV:BVT BW:BWA BY:BLR BZ:BLZ CA:CAN CC:CCK " +
	"CD:COD CF:CAF CG:COG CH:CHE CI:CIV CK:COK CL:CHL CM:CMR CN:CHN CO:COL CR:CRI CU:CUB CV:CPV " +
	"CW:CUW CX:CXR CY:CYP CZ:CZE DE:DEU DJ:DJI DK:DNK DM:DMA DO:DOM DZ:DZA EC:ECU EE:EST EG:EGY " +
	"EH:ESH ER:ERI ES:ESP ET:ETH FI:FIN FJ:FJI FK:FLK FM:FSM FO:FRO FR:FRA GA:GAB GB:GBR GD:GRD " +
	"GE:GEO GF:GUF GG:GGY GH:GHA GI:GIB GL:GRL GM:GMB GN:GIN GP:GLP GQ:GNQ GR:GRC GS:SGS GT:GTM " +
	"GU:GUM GW:GNB GY:GUY HK:HKG HM:HMD HN:HND HR:HRV HT:HTI HU:HUN ID:IDN IE:IRL IL:ISR IM:IMN " +
	"IN:IND IO:IOT IQ:IRQ IR:IRN IS:ISL IT:ITA JE:JEY JM:JAM JO:JOR JP:JPN KE:KEN KG:KGZ KH:KHM " +
	"KI:KIR KM:COM KN:KNA KP:PRK KR:KOR KW:KWT KY:CYM KZ:KAZ LA:LAO LB:LBN LC:LCA LI:LIE LK:LKA " +
	"LR:LBR LS:LSO LT:LTU LU:LUX LV:LVA LY:LBY MA:MAR MC:MCO MD:MDA ME:MNE MF:MAF MG:MDG MH:MHL " +
	"MK:MKD ML:MLI MM:MMR MN:MNG MO:MAC MP:MNP MQ:MTQ MR:MRT MS:MSR MT:MLT MU:MUS MV:MDV MW:MWI " +
	"MX:MEX MY:MYS MZ:MOZ NA:NAM NC:NCL NE:NER NF:NFK NG:NGA NI:NIC NL:NLD NO:NOR NP:NPL NR:NRU " +
	"NU:NIU NZ:NZL OM:OMN PA:PAN PE:PER PF:PYF PG:PNG PH:PHL PK:PAK PL:POL PM:SPM PN:PCN PR:PRI " +
	"PS:PSE PT:PRT PW:PLW PY:PRY QA:QAT RE:REU RO:ROU RS:SRB RU:RUS RW:RWA SA:SAU SB:SLB SC:SYC " +
	"SD:SDN SE:SWE SG:SGP SH:SHN SI:SVN SJ:SJM SK:SVK SL:SLE SM:SMR SN:SEN SO:SOM SR:SUR SS:SSD " +
	"ST:STP SV:SLV SX:SXM SY:SYR SZ:SWZ TC:TCA TD:TCD TF:ATF TG:TGO TH:THA TJ:TJK TK:TKL TL:TLS " +
	"TM:TKM TN:TUN TO:TON TR:TUR TT:TTO TV:TUV TW:TWN TZ:TZA UA:UKR UG:UGA UM:UMI US:USA UY:URY " +
	"UZ:UZB VA:VAT VC:VCT VE:VEN VG:VGB VI:VIR VN:VNM VU:VUT WF:WLF WS:WSM YE:YEM YT:MYT ZA:ZAF " +
	"ZM:ZMB ZW:ZWE"

// iso639 is each ISO 639-1 code, then the ISO 639-2 codes of languages
// without one that referrals in the region need (Romani).
const iso639 = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da " +
	"de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
	"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln " +
	"lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi " +
	"pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti " +
	"tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu rom"

// Kosovo has no ISO 3166-1 code; XK is the user-assigned alpha-2 code the
// European Union and CLDR use, and XKX the alpha-3 code of the EU.
const kosovo = "XK:XKX"

type codeLists struct {
	countries []string          // alpha-3, in alpha-2 order
	alpha2    map[string]string // alpha-3 -> alpha-2
	languages []string
}

var codes = sync.OnceValue(func() codeLists {
	c := codeLists{alpha2: map[string]string{}}
	for p := range strings.FieldsSeq(iso3166 + " " + kosovo) {
		a2, a3, _ := strings.Cut(p, ":")
		c.countries = append(c.countries, a3)
		c.alpha2[a3] = a2
	}
	c.languages = strings.Fields(iso639)
	return c
})

// Countries lists every country code a record may hold: ISO 3166-1 alpha-3
// (as HTCDS takes nationality), and XKX for Kosovo.
func Countries() []string { return slices.Clone(codes().countries) }

// ValidCountry reports whether c is one of Countries.
func ValidCountry(c string) bool { _, ok := codes().alpha2[c]; return ok }

// CountryAlpha2 returns the alpha-2 code of an alpha-3 country code ("" if unknown).
func CountryAlpha2(a3 string) string { return codes().alpha2[a3] }

// LanguageCodes lists every language code a record may hold (ISO 639).
func LanguageCodes() []string { return slices.Clone(codes().languages) }

// ValidLanguage reports whether l is one of LanguageCodes.
func ValidLanguage(l string) bool { return slices.Contains(codes().languages, l) }

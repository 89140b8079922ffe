package stats

import (
	"fmt"
	"math/big"
	"math/rand"
	"testing"
)

// The checkers below know nothing of how Suppress works: they take the published table
// (withheld values unknown) and the equations every table obeys (each row of cells adds up
// to its row total, each column to its column total, the row totals and the column totals
// each to the grand total) and try to recover withheld values.

// system is the published table as a (rows+1)×(cols+1) grid, totals in the last row and
// column; known[i][j] false for withheld values.
type system struct {
	r, c  int
	val   [][]int
	known [][]bool
}

func systemOf(p Published) system {
	R, C := len(p.Rows), len(p.Cols)
	s := system{r: R + 1, c: C + 1}
	for i := 0; i <= R; i++ {
		s.val = append(s.val, make([]int, C+1))
		s.known = append(s.known, make([]bool, C+1))
		for j := 0; j <= C; j++ {
			var cell Cell
			switch {
			case i < R && j < C:
				cell = p.Cells[i][j]
			case i < R:
				cell = p.RowTotals[i]
			case j < C:
				cell = p.ColTotals[j]
			default:
				cell = p.Total
			}
			s.val[i][j], s.known[i][j] = cell.Value()
		}
	}
	return s
}

// equations lists each equation as the positions it adds, with the sign of each: the
// members +1, the total −1, summing to zero.
type term struct {
	i, j, sign int
}

func (s system) equations() [][]term {
	var eqs [][]term
	for i := 0; i < s.r; i++ {
		var eq []term
		for j := 0; j < s.c; j++ {
			sign := 1
			if j == s.c-1 {
				sign = -1
			}
			eq = append(eq, term{i, j, sign})
		}
		eqs = append(eqs, eq)
	}
	for j := 0; j < s.c; j++ {
		var eq []term
		for i := 0; i < s.r; i++ {
			sign := 1
			if i == s.r-1 {
				sign = -1
			}
			eq = append(eq, term{i, j, sign})
		}
		eqs = append(eqs, eq)
	}
	return eqs
}

// peel solves every equation with exactly one unknown, repeatedly until nothing changes
// (so chains are followed), and returns what it revealed, with the value it found.
func peel(s system) map[[2]int]int {
	val := make([][]int, s.r)
	known := make([][]bool, s.r)
	for i := range val {
		val[i] = append([]int(nil), s.val[i]...)
		known[i] = append([]bool(nil), s.known[i]...)
	}
	revealed := map[[2]int]int{}
	for changed := true; changed; {
		changed = false
		for _, eq := range s.equations() {
			unknowns, sum := 0, 0
			var u term
			for _, t := range eq {
				if known[t.i][t.j] {
					sum += t.sign * val[t.i][t.j]
				} else {
					unknowns++
					u = t
				}
			}
			if unknowns == 1 {
				val[u.i][u.j] = -sum * u.sign
				known[u.i][u.j] = true
				revealed[[2]int{u.i, u.j}] = val[u.i][u.j]
				changed = true
			}
		}
	}
	return revealed
}

// determined returns the withheld positions fixed by some linear combination of the
// equations: e_u lies in the row space of the equations over the unknowns exactly when a
// row of the reduced row echelon form is e_u.
func determined(s system) [][2]int {
	var unknowns [][2]int
	col := map[[2]int]int{}
	for i := 0; i < s.r; i++ {
		for j := 0; j < s.c; j++ {
			if !s.known[i][j] {
				col[[2]int{i, j}] = len(unknowns)
				unknowns = append(unknowns, [2]int{i, j})
			}
		}
	}
	n := len(unknowns)
	if n == 0 {
		return nil
	}
	var m [][]*big.Rat
	for _, eq := range s.equations() {
		row := make([]*big.Rat, n)
		for k := range row {
			row[k] = new(big.Rat)
		}
		for _, t := range eq {
			if k, ok := col[[2]int{t.i, t.j}]; ok {
				row[k].SetInt64(int64(t.sign))
			}
		}
		m = append(m, row)
	}
	// Reduced row echelon form.
	lead := 0
	for c := 0; c < n && lead < len(m); c++ {
		p := -1
		for r := lead; r < len(m); r++ {
			if m[r][c].Sign() != 0 {
				p = r
				break
			}
		}
		if p < 0 {
			continue
		}
		m[lead], m[p] = m[p], m[lead]
		inv := new(big.Rat).Inv(m[lead][c])
		for k := 0; k < n; k++ {
			m[lead][k].Mul(m[lead][k], inv)
		}
		for r := range m {
			if r == lead || m[r][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(m[r][c])
			for k := 0; k < n; k++ {
				m[r][k].Sub(m[r][k], new(big.Rat).Mul(f, m[lead][k]))
			}
		}
		lead++
	}
	var out [][2]int
	for _, row := range m {
		nz, at := 0, -1
		for k, x := range row {
			if x.Sign() != 0 {
				nz++
				at = k
			}
		}
		if nz == 1 {
			out = append(out, unknowns[at])
		}
	}
	return out
}

// checkSafe asserts nothing withheld in p can be derived, by peeling and by rank.
func checkSafe(t *testing.T, name string, p Published) {
	t.Helper()
	s := systemOf(p)
	if got := peel(s); len(got) > 0 {
		t.Errorf("%s: the totals reveal withheld values %v\n%s", name, got, render(p))
	}
	if got := determined(s); len(got) > 0 {
		t.Errorf("%s: a combination of equations reveals withheld values %v\n%s", name, got, render(p))
	}
}

// checkFaithful asserts p has t's shape, shows every value it does not withhold exactly,
// withholds every small count (primary), and carries no withheld number.
func checkFaithful(t *testing.T, name string, tb Table, k int, p Published) {
	t.Helper()
	if k <= 0 {
		k = DefaultK
	}
	R, C := len(tb.Rows), len(tb.Cols)
	if len(p.Cells) != R || len(p.RowTotals) != R || len(p.ColTotals) != C {
		t.Fatalf("%s: shape changed", name)
	}
	rowT, colT, tot := make([]int, R), make([]int, C), 0
	isChild := func(f []bool, i int) bool { return i < len(f) && f[i] }
	thr := func(childRow, childCol bool) int {
		if (childRow || childCol) && k < 5 {
			return 5
		}
		return k
	}
	check := func(where string, c Cell, truth, threshold int) {
		if c.Suppressed {
			if c.Count != 0 {
				t.Errorf("%s: %s withheld but carries %d", name, where, c.Count)
			}
			return
		}
		if c.Count != truth {
			t.Errorf("%s: %s shows %d, truth %d", name, where, c.Count, truth)
		}
		if truth > 0 && truth < threshold {
			t.Errorf("%s: %s shows %d below %d", name, where, truth, threshold)
		}
	}
	for i := 0; i < R; i++ {
		if len(p.Cells[i]) != C {
			t.Fatalf("%s: row %d shape changed", name, i)
		}
		for j := 0; j < C; j++ {
			n := tb.Counts[i][j]
			rowT[i] += n
			colT[j] += n
			tot += n
			check(fmt.Sprintf("cell %d,%d", i, j), p.Cells[i][j], n, thr(isChild(tb.ChildRows, i), isChild(tb.ChildCols, j)))
		}
	}
	for i := 0; i < R; i++ {
		check(fmt.Sprintf("row total %d", i), p.RowTotals[i], rowT[i], thr(isChild(tb.ChildRows, i), false))
	}
	for j := 0; j < C; j++ {
		check(fmt.Sprintf("column total %d", j), p.ColTotals[j], colT[j], thr(false, isChild(tb.ChildCols, j)))
	}
	check("grand total", p.Total, tot, k)
}

func render(p Published) string {
	out := ""
	f := func(c Cell) string {
		if c.Suppressed {
			if c.Why == Primary {
				return "   P"
			}
			return "   S"
		}
		return fmt.Sprintf("%4d", c.Count)
	}
	for i, row := range p.Cells {
		for _, c := range row {
			out += f(c)
		}
		out += " |" + f(p.RowTotals[i]) + "\n"
	}
	for _, c := range p.ColTotals {
		out += f(c)
	}
	return out + " |" + f(p.Total) + "\n"
}

func TestSuppressCellOfThree(t *testing.T) {
	tb := Table{
		Rows:   []string{"Female", "Male"},
		Cols:   []string{"sexual", "labour", "other"},
		Counts: [][]int{{3, 12, 8}, {15, 20, 9}},
	}
	p := Suppress(tb, 0)
	if c := p.Cells[0][0]; !c.Suppressed || c.Why != Primary || c.Count != 0 {
		t.Fatalf("the 3 is published: %+v", c)
	}
	if p.K != DefaultK {
		t.Errorf("K = %d", p.K)
	}
	checkFaithful(t, "three", tb, 0, p)
	checkSafe(t, "three", p)
	// Smallest non-zero complements: 8 in the row, 15 in the column, then 9 closes row 1
	// and column 2.
	for _, ij := range [][2]int{{0, 2}, {1, 0}, {1, 2}} {
		if c := p.Cells[ij[0]][ij[1]]; !c.Suppressed || c.Why != Secondary {
			t.Errorf("cell %v not a secondary suppression:\n%s", ij, render(p))
		}
	}
	if n := p.SuppressedCount(); n != 4 {
		t.Errorf("%d withheld, want 4 (the 3 and three complements):\n%s", n, render(p))
	}
}

// The checkers must themselves catch what they are meant to: a table with only primary
// suppression is revealed by peeling, and two withheld blocks joined by one withheld cell
// (every line with two unknowns, so peeling is stuck) by the rank check.
func TestCheckersCatchDisclosure(t *testing.T) {
	naive := Published{
		Rows: []string{"a", "b"}, Cols: []string{"x", "y"},
		Cells:     [][]Cell{{{Suppressed: true}, {Count: 12}}, {{Count: 15}, {Count: 20}}},
		RowTotals: []Cell{{Count: 15}, {Count: 35}},
		ColTotals: []Cell{{Count: 18}, {Count: 32}},
		Total:     Cell{Count: 50},
	}
	if got := peel(systemOf(naive)); got[[2]int{0, 0}] != 3 {
		t.Fatalf("peeling did not find the 3: %v", got)
	}

	// Block rows 0-1 × columns 0-1 and rows 2-3 × columns 2-3 withheld, joined by (1,2).
	counts := [][]int{
		{2, 2, 50, 50},
		{2, 2, 1, 50},
		{50, 50, 2, 2},
		{50, 50, 2, 2},
	}
	s := system{r: 5, c: 5}
	for i := 0; i < 5; i++ {
		s.val = append(s.val, make([]int, 5))
		s.known = append(s.known, make([]bool, 5))
	}
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			n := counts[i][j]
			s.val[i][j] += n
			s.val[i][4] += n
			s.val[4][j] += n
			s.val[4][4] += n
			s.known[i][j] = n >= 5
		}
	}
	for i := 0; i < 5; i++ {
		s.known[i][4] = true
		s.known[4][i] = true
	}
	if got := peel(s); len(got) != 0 {
		t.Fatalf("peeling should be stuck: %v", got)
	}
	got := determined(s)
	if len(got) != 1 || got[0] != [2]int{1, 2} {
		t.Fatalf("rank check found %v, want the bridge (1,2)", got)
	}

	// Suppress itself protects that table.
	tb := Table{Rows: []string{"a", "b", "c", "d"}, Cols: []string{"w", "x", "y", "z"}, Counts: counts}
	p := Suppress(tb, 5)
	checkFaithful(t, "dumbbell", tb, 5, p)
	checkSafe(t, "dumbbell", p)
}

func TestSuppressEdgeCases(t *testing.T) {
	cases := []struct {
		name string
		tb   Table
		k    int
	}{
		{"zeros", Table{Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Counts: [][]int{{0, 0}, {0, 0}}}, 5},
		{"single small row", Table{Rows: []string{"a", "b"}, Cols: []string{"x", "y", "z"}, Counts: [][]int{{0, 3, 0}, {10, 20, 30}}}, 5},
		{"all small", Table{Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Counts: [][]int{{1, 2}, {3, 1}}}, 5},
		{"all small total below k", Table{Rows: []string{"a", "b"}, Cols: []string{"x", "y"}, Counts: [][]int{{1, 0}, {0, 2}}}, 5},
		{"one cell", Table{Rows: []string{"a"}, Cols: []string{"x"}, Counts: [][]int{{3}}}, 5},
		{"one row", Table{Rows: []string{"a"}, Cols: []string{"x", "y", "z"}, Counts: [][]int{{3, 40, 7}}}, 5},
		{"one column", Table{Rows: []string{"a", "b", "c"}, Cols: []string{"x"}, Counts: [][]int{{3}, {0}, {9}}}, 5},
		{"small beside zeros", Table{Rows: []string{"a", "b", "c"}, Cols: []string{"x", "y", "z"}, Counts: [][]int{{4, 0, 0}, {0, 30, 0}, {0, 0, 25}}}, 5},
		{"no rows", Table{Cols: []string{"x"}}, 5},
	}
	for _, c := range cases {
		p := Suppress(c.tb, c.k)
		checkFaithful(t, c.name, c.tb, c.k, p)
		checkSafe(t, c.name, p)
	}

	// Zeros are structural: published as zeros, nothing withheld.
	p := Suppress(cases[0].tb, 5)
	if p.SuppressedCount() != 0 || p.Cells[1][1] != (Cell{}) {
		t.Errorf("zeros withheld:\n%s", render(p))
	}
	// A row whose whole total is small: the total is withheld too.
	p = Suppress(cases[1].tb, 5)
	if !p.RowTotals[0].Suppressed || p.RowTotals[0].Why != Primary {
		t.Errorf("small row total shown:\n%s", render(p))
	}
}

func TestSuppressChildren(t *testing.T) {
	tb := Table{
		Rows:      []string{"adult", "child"},
		Cols:      []string{"x", "y", "z"},
		Counts:    [][]int{{3, 40, 50}, {3, 40, 50}},
		ChildRows: []bool{false, true},
	}
	// A jurisdiction that publishes everything (k = 1) still withholds children's 3.
	p := Suppress(tb, 1)
	if c := p.Cells[0][0]; c.Why == Primary {
		t.Errorf("k=1 withheld an adult's 3 as small:\n%s", render(p))
	}
	if c := p.Cells[0][2]; c.Suppressed {
		t.Errorf("k=1 withheld an adult's 50:\n%s", render(p))
	}
	if c := p.Cells[1][0]; !c.Suppressed || c.Why != Primary {
		t.Errorf("a child's 3 is published with k=1:\n%s", render(p))
	}
	checkFaithful(t, "children k=1", tb, 1, p)
	checkSafe(t, "children k=1", p)
	// Child columns too, and a higher k applies to children as well.
	tb = Table{
		Rows: []string{"f", "m"}, Cols: []string{"adult", "minor"},
		Counts: [][]int{{40, 7}, {30, 12}}, ChildCols: []bool{false, true},
	}
	p = Suppress(tb, 10)
	if !p.Cells[0][1].Suppressed {
		t.Errorf("k=10: a child's 7 is published:\n%s", render(p))
	}
	checkFaithful(t, "children k=10", tb, 10, p)
	checkSafe(t, "children k=10", p)
}

func randomTable(rng *rand.Rand) (Table, int) {
	R, C := 1+rng.Intn(6), 1+rng.Intn(6)
	tb := Table{Rows: make([]string, R), Cols: make([]string, C), Counts: make([][]int, R)}
	mode := rng.Intn(4) // 0: all small, otherwise mixed
	for i := range tb.Counts {
		tb.Rows[i] = fmt.Sprint("r", i)
		tb.Counts[i] = make([]int, C)
		for j := range tb.Counts[i] {
			switch x := rng.Intn(10); {
			case mode == 0:
				tb.Counts[i][j] = rng.Intn(5)
			case x < 3:
				tb.Counts[i][j] = 0
			case x < 6:
				tb.Counts[i][j] = 1 + rng.Intn(4)
			default:
				tb.Counts[i][j] = 5 + rng.Intn(60)
			}
		}
	}
	for j := range tb.Cols {
		tb.Cols[j] = fmt.Sprint("c", j)
	}
	if rng.Intn(3) == 0 {
		tb.ChildRows = make([]bool, R)
		tb.ChildRows[rng.Intn(R)] = true
	}
	if rng.Intn(3) == 0 {
		tb.ChildCols = make([]bool, C)
		tb.ChildCols[rng.Intn(C)] = true
	}
	return tb, []int{0, 1, 3, 5, 10}[rng.Intn(5)]
}

func TestSuppressRandomTables(t *testing.T) {
	rng := rand.New(rand.NewSource(20261126))
	withheld := 0
	for n := 0; n < 3000; n++ {
		tb, k := randomTable(rng)
		p := Suppress(tb, k)
		name := fmt.Sprintf("table %d (k=%d)", n, k)
		checkFaithful(t, name, tb, k, p)
		checkSafe(t, name, p)
		withheld += p.SuppressedCount()
		if t.Failed() {
			t.Fatalf("stopping at %s: %+v", name, tb)
		}
	}
	if withheld == 0 {
		t.Fatal("the random tables never exercised suppression")
	}
}

// checkList is the one-dimensional checker: the items add up to the total; one unknown
// in that equation reveals it.
func checkList(t *testing.T, name string, l List, k int, p PublishedList) {
	t.Helper()
	if k <= 0 {
		k = DefaultK
	}
	if len(p.Cells) != len(l.Counts) {
		t.Fatalf("%s: shape changed", name)
	}
	tot, unknowns := 0, 0
	for j, n := range l.Counts {
		tot += n
		thr := k
		if j < len(l.Child) && l.Child[j] && thr < 5 {
			thr = 5
		}
		c := p.Cells[j]
		switch {
		case c.Suppressed:
			unknowns++
			if c.Count != 0 {
				t.Errorf("%s: item %d withheld but carries %d", name, j, c.Count)
			}
		case c.Count != n:
			t.Errorf("%s: item %d shows %d, truth %d", name, j, c.Count, n)
		case n > 0 && n < thr:
			t.Errorf("%s: item %d shows %d below %d", name, j, n, thr)
		}
	}
	if p.Total.Suppressed {
		unknowns++
	} else if p.Total.Count != tot {
		t.Errorf("%s: total %d, truth %d", name, p.Total.Count, tot)
	} else if tot > 0 && tot < k {
		t.Errorf("%s: total %d below %d", name, tot, k)
	}
	if unknowns == 1 {
		t.Errorf("%s: the one withheld value follows from the others: %+v", name, p)
	}
}

func TestSuppressList(t *testing.T) {
	l := List{Labels: []string{"a", "b", "c"}, Counts: []int{3, 10, 20}}
	p := SuppressList(l, 0)
	if !p.Cells[0].Suppressed || p.Cells[0].Why != Primary || !p.Cells[1].Suppressed || p.Cells[1].Why != Secondary || p.Cells[2].Suppressed || p.Total.Suppressed {
		t.Errorf("want 3 primary, 10 its complement: %+v", p)
	}
	checkList(t, "3,10,20", l, 0, p)

	l = List{Labels: []string{"a", "b", "c"}, Counts: []int{3, 0, 0}}
	p = SuppressList(l, 0)
	if !p.Total.Suppressed || p.Cells[1].Suppressed {
		t.Errorf("a lone small item among zeros: the total is withheld, the zeros shown: %+v", p)
	}
	checkList(t, "3,0,0", l, 0, p)

	l = List{Labels: []string{"adult", "child"}, Counts: []int{3, 3}, Child: []bool{false, true}}
	p = SuppressList(l, 1)
	// The adult's 3 is not small under k=1 but is the only complement.
	if p.Cells[0].Why != Secondary || p.Cells[1].Why != Primary || p.Total.Suppressed {
		t.Errorf("k=1: the child's 3 withheld, the adult's 3 as its complement: %+v", p)
	}
	checkList(t, "children", l, 1, p)

	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 2000; n++ {
		m := rng.Intn(7)
		l := List{Labels: make([]string, m), Counts: make([]int, m), Child: make([]bool, m)}
		for j := range l.Counts {
			switch rng.Intn(3) {
			case 0:
			case 1:
				l.Counts[j] = 1 + rng.Intn(4)
			default:
				l.Counts[j] = 5 + rng.Intn(50)
			}
			l.Child[j] = rng.Intn(4) == 0
		}
		k := []int{0, 1, 3, 5, 10}[rng.Intn(5)]
		checkList(t, fmt.Sprintf("list %d", n), l, k, SuppressList(l, k))
	}
}

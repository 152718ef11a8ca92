// Command binsize says what a Go binary's bytes are spent on: its ELF sections, then the
// modules and the packages with the most bytes, each with the import chain that pulls it
// into the program. run.sh builds the pipelines and calls it; see README.md.
//
//	go run ./internal/bench/binsize -pkg ./pipelines/generate /tmp/generate.plain
//
// The binary must keep its symbol table (no -ldflags=-s). A package's bytes are the sizes
// of its symbols, as `go tool nm -size` gives them, in the sections stored in the file
// (.bss and .noptrbss take no room in the file and are left out), plus its share of
// .gopclntab: its functions' names, which are stored there once each (a generic
// instantiation's name spells out all its type arguments), and the rest of the table
// (line and stack maps) split in proportion to its code. The second part is an estimate;
// the sizes of the sections are exact. A symbol belongs to the package its name starts
// with after "type:", "go:itab." and "*": type descriptors count for the package of the
// type, generic instantiations for the package of the generic function (so Beam's
// register package carries every DoFn registration's wrappers).
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"debug/buildinfo"
	"debug/elf"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "", "the main package the binary was built from (for the import chains; empty: no chains)")
	top := flag.Int("top", 15, "how many modules and packages to list")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: binsize [-pkg ./pipelines/generate] [-top 15] BINARY")
	}
	bin := flag.Arg(0)
	r, err := measure(bin)
	if err != nil {
		log.Fatal(err)
	}
	var g graph
	if *pkg != "" {
		if g, err = imports(*pkg); err != nil {
			log.Fatal(err)
		}
	}
	r.print(os.Stdout, *top, g)
}

// sizes are one package's or module's bytes.
type sizes struct {
	code  int64 // .text
	data  int64 // .rodata, .noptrdata, .data, ... (type descriptors, tables, embedded files)
	names int64 // function names in .gopclntab
	pcln  int64 // estimated share of the rest of .gopclntab
}

func (s sizes) total() int64 { return s.code + s.data + s.names + s.pcln }

type report struct {
	file     int64
	sections []*elf.Section
	pkgs     map[string]*sizes
	mods     map[string]*sizes // by module path; "std" for the standard library
	modOf    map[string]string // package -> module
	unsorted int64             // bytes in file sections that no symbol accounts for
}

func measure(bin string) (*report, error) {
	st, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	modules := []string{bi.Main.Path}
	for _, d := range bi.Deps {
		modules = append(modules, d.Path)
	}
	// Longest module path first, so that a nested module wins over its parent.
	slices.SortFunc(modules, func(a, b string) int { return cmp.Compare(len(b), len(a)) })

	out, err := exec.Command("go", "tool", "nm", "-size", bin).Output()
	if err != nil {
		return nil, fmt.Errorf("go tool nm: %v (a binary built with -ldflags=-s has no symbols)", err)
	}
	r := &report{file: st.Size(), sections: f.Sections, pkgs: map[string]*sizes{}, mods: map[string]*sizes{}, modOf: map[string]string{}}
	var pclntab int64
	for _, s := range f.Sections {
		if s.Name == ".gopclntab" {
			pclntab = int64(s.Size)
		}
	}
	stored := func(addr uint64) bool {
		for _, s := range f.Sections {
			if s.Flags&elf.SHF_ALLOC != 0 && addr >= s.Addr && addr < s.Addr+s.Size {
				return s.Type != elf.SHT_NOBITS
			}
		}
		return false
	}
	var codeTotal, namesTotal, symTotal int64
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		// "  addr size type name", the name possibly with spaces (generic shapes).
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		addr, err1 := strconv.ParseUint(fields[0], 16, 64)
		size, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil || !stored(addr) {
			continue
		}
		kind := fields[2]
		name := strings.Join(fields[3:], " ")
		p := pkgOf(name)
		s := r.pkgs[p]
		if s == nil {
			s = &sizes{}
			r.pkgs[p] = s
		}
		if kind == "T" || kind == "t" {
			s.code += size
			s.names += int64(len(name)) + 1
			codeTotal += size
			namesTotal += int64(len(name)) + 1
		} else {
			s.data += size
		}
		symTotal += size
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	rest := max(0, pclntab-namesTotal)
	for p, s := range r.pkgs {
		if codeTotal > 0 {
			s.pcln = rest * s.code / codeTotal
		}
		m := moduleOf(p, modules)
		r.modOf[p] = m
		ms := r.mods[m]
		if ms == nil {
			ms = &sizes{}
			r.mods[m] = ms
		}
		ms.code += s.code
		ms.data += s.data
		ms.names += s.names
		ms.pcln += s.pcln
	}
	var storedTotal int64
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			storedTotal += int64(s.Size)
		}
	}
	r.unsorted = storedTotal - symTotal - pclntab
	return r, nil
}

// pkgOf returns the package a symbol belongs to: "runtime" for "runtime.mallocgc",
// "github.com/a/b" for "type:*github.com/a/b.T" or "github.com/a/b.F[go.shape.int]";
// "(go:string)" and the like for the linker's own symbols.
func pkgOf(name string) string {
	for {
		n := name
		for _, p := range []string{"go:itab.", "type:.eq.", "type:.hash.", "type:.namedata.", "type:", "*"} {
			name = strings.TrimPrefix(name, p)
		}
		if n == name {
			break
		}
	}
	for _, p := range []string{"[", "map[", "func(", "struct {", "interface {", "chan ", "<-chan "} {
		if strings.HasPrefix(name, p) {
			return "(unnamed types)"
		}
	}
	if strings.HasPrefix(name, "go:") {
		k, _, _ := strings.Cut(name[3:], ".")
		return "(go:" + k + ")"
	}
	if i := strings.IndexAny(name, "[("); i > 0 {
		name = name[:i]
	}
	slash := strings.LastIndex(name, "/")
	if dot := strings.Index(name[slash+1:], "."); dot >= 0 {
		return name[:slash+1+dot]
	}
	return name
}

func moduleOf(pkg string, modules []string) string {
	first, _, _ := strings.Cut(pkg, "/")
	if strings.HasPrefix(pkg, "(") || !strings.Contains(first, ".") {
		if strings.HasPrefix(pkg, "vendor/") || !strings.HasPrefix(pkg, "(") {
			return "std"
		}
		return pkg
	}
	for _, m := range modules {
		if pkg == m || strings.HasPrefix(pkg, m+"/") {
			return m
		}
	}
	return pkg
}

// graph maps each package of the program to the packages it imports.
type graph map[string][]string

func imports(pkg string) (graph, error) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v", err)
	}
	g := graph{}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines {
		f := strings.Fields(l)
		g[f[0]] = f[1:]
	}
	g[""] = []string{strings.Fields(lines[len(lines)-1])[0]} // go list -deps lists the root last
	return g, nil
}

// chain is the shortest import chain from the main package to the first package whose
// path starts with prefix, main package first.
func (g graph) chain(prefix string) []string {
	prev := map[string]string{}
	queue := []string{g[""][0]}
	prev[queue[0]] = ""
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n == prefix || strings.HasPrefix(n, prefix+"/") {
			var c []string
			for ; n != ""; n = prev[n] {
				c = append(c, n)
			}
			slices.Reverse(c)
			return c
		}
		for _, m := range g[n] {
			if _, seen := prev[m]; !seen {
				prev[m] = n
				queue = append(queue, m)
			}
		}
	}
	return nil
}

func (r *report) print(w io.Writer, top int, g graph) {
	fmt.Fprintf(w, "file: %s\n\n| section | bytes |\n| --- | ---: |\n", mb(r.file))
	secs := slices.Clone(r.sections)
	slices.SortFunc(secs, func(a, b *elf.Section) int { return cmp.Compare(b.Size, a.Size) })
	for _, s := range secs {
		if s.Type == elf.SHT_NOBITS || s.Size < 100_000 {
			continue
		}
		fmt.Fprintf(w, "| %s | %s |\n", s.Name, mb(int64(s.Size)))
	}
	fmt.Fprintf(w, "\nstored bytes that no symbol accounts for (section padding, symbol and string tables): %s\n", mb(r.unsorted))
	table := func(title string, m map[string]*sizes, chains bool) {
		keys := make([]string, 0, len(m))
		var all int64
		for k, s := range m {
			keys = append(keys, k)
			all += s.total()
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b].total(), m[a].total()), cmp.Compare(a, b)) })
		fmt.Fprintf(w, "\n%s (of %s attributed)\n\n| # | %s | total | code | data | func names | other pclntab (est.) |\n| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n", title, mb(all), strings.ToLower(strings.Fields(title)[1]))
		for i, k := range keys[:min(top, len(keys))] {
			s := m[k]
			fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s |\n", i+1, k, mb(s.total()), mb(s.code), mb(s.data), mb(s.names), mb(s.pcln))
		}
		if !chains || g == nil {
			return
		}
		fmt.Fprintf(w, "\nimported through (shortest chain from the main package):\n\n")
		for _, k := range keys[:min(top, len(keys))] {
			if k == "std" || strings.HasPrefix(k, "(") {
				continue
			}
			if c := g.chain(k); c != nil {
				fmt.Fprintf(w, "- %s: %s\n", k, strings.Join(c, " -> "))
			}
		}
	}
	table("Top modules", r.mods, true)
	table("Top packages", r.pkgs, false)
}

func mb(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

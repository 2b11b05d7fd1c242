package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("s3cret-密码")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected encoding %q", h)
	}
	if ok, err := Verify(h, "s3cret-密码"); err != nil || !ok {
		t.Fatalf("Verify(correct) = %v, %v", ok, err)
	}
	if ok, _ := Verify(h, "s3cret-密玛"); ok {
		t.Fatal("Verify accepted a wrong password")
	}
	h2, _ := Hash("s3cret-密码")
	if h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
	if _, err := Verify("$bcrypt$x", "a"); err == nil {
		t.Fatal("Verify accepted an unknown format")
	}
}

func TestProblem(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"abc12345", true},
		{"abcdefgh", false},
		{"12345678", false},
		{"ab12", false},
		{"密码密码密码12", true},
		{strings.Repeat("a1", 65), false},
	}
	for _, c := range cases {
		zh, en := Problem(c.in)
		if (zh == "" && en == "") != c.ok {
			t.Errorf("Problem(%q) = %q/%q, want ok=%v", c.in, zh, en, c.ok)
		}
	}
	for range 50 {
		if zh, _ := Problem(Generate()); zh != "" {
			t.Fatalf("generated password fails policy: %s", zh)
		}
	}
}

package importer

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestMobile(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"13800138000", "13800138000", true},
		{"１３８００１３８０００", "13800138000", true},
		{"+86 138 0013 8000", "13800138000", true},
		{"+86-13800138000", "13800138000", true},
		{"(+86)13800138000", "13800138000", true},
		{"8613800138000", "13800138000", true},
		{"008613800138000", "13800138000", true},
		{"138-0013-8000", "13800138000", true},
		{" 19912345678 ", "19912345678", true},
		{"1380013800", "", false},   // 10 digits
		{"138001380001", "", false}, // 12 digits
		{"12800138000", "", false},  // no 12x segment
		{"23800138000", "", false},
		{"1380013800a", "", false},
		{"", "", false},
		{"+1 13800138000", "", false},
		{"010-12345678", "", false},
	}
	for _, tt := range tests {
		got, ok := Mobile(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Mobile(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLandline(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"010-12345678", "010-12345678", true},
		{"0755-1234567", "0755-1234567", true},
		{"0755-12345678", "0755-12345678", true},
		{"(010)12345678", "010-12345678", true},
		{"（010）12345678", "010-12345678", true},
		{"(0755) 8888 6666", "0755-88886666", true},
		{"12345678", "12345678", true},
		{"2345678", "2345678", true},
		{"01012345678", "010-12345678", true},
		{"075512345678", "0755-12345678", true},
		{"02087654321", "020-87654321", true},
		{"010-12345678-123", "010-12345678-123", true},
		{"010-12345678转123", "010-12345678-123", true},
		{"010-12345678 转 8001", "010-12345678-8001", true},
		{"010-12345678#123", "010-12345678-123", true},
		{"12345678-123", "12345678-123", true},
		{"010-1234-5678", "010-12345678", true},
		{"0755-123-4567", "0755-1234567", true},
		{"+86 10 12345678", "010-12345678", true},
		{"+86-755-12345678", "0755-12345678", true},
		{"400-123-4567", "400-123-4567", true},
		{"4001234567", "400-123-4567", true},
		{"０１０－１２３４５６７８", "010-12345678", true},
		{"010-1234567", "", false},    // 3-digit area codes have 8-digit numbers
		{"0755-123456", "", false},    // too short
		{"0755-123456789", "", false}, // too long
		{"010-02345678", "", false},   // local numbers do not start with 0
		{"1234567", "1234567", true},
		{"030-12345678", "", false}, // no such 3-digit area code
		{"010-12345678转", "", false},
		{"010-12345678转1234567", "", false},
		{"(010-12345678", "", false},
		{"13800138000", "", false},
		{"", "", false},
		{"abc", "", false},
	}
	for _, tt := range tests {
		got, ok := Landline(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Landline(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"+86 13800138000", "13800138000", true},
		{"010-12345678", "010-12345678", true},
		{"1380013800", "", false},
	}
	for _, tt := range tests {
		got, ok := Phone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Phone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPhoneProblem(t *testing.T) {
	tests := []struct{ in, wantZH string }{
		{"1380013800", "手机号码应为 11 位（实际 10 位）：1380013800"},
		{"+86 138001380001", "手机号码应为 11 位（实际 12 位）"},
		{"12800138000", "手机号码号段无效"},
		{"0755-123", "固定电话格式无效：0755-123"},
		{"138abc", "手机号码含有无效字符：138abc"},
		{"1.38001E+10", "科学计数法"},
		{"999", "电话号码格式无效：999"},
	}
	for _, tt := range tests {
		_, msg, ok := phoneProblem(tt.in)
		if ok || !strings.Contains(msg.ZH, tt.wantZH) || msg.EN == "" {
			t.Errorf("phoneProblem(%q) = %v, %+v; want a message containing %q", tt.in, ok, msg, tt.wantZH)
		}
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"zhangwei@example.com", "zhangwei@example.com", true},
		{" Zhang.Wei+vip@Example.COM.cn ", "Zhang.Wei+vip@example.com.cn", true},
		{"ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "zhang@qq.com", true},
		{"zhang@qq。com", "zhang@qq.com", true},
		{"a@b-c.io", "a@b-c.io", true},
		{"zhang", "", false},
		{"@qq.com", "", false},
		{"zhang@", "", false},
		{"zhang@qq", "", false},
		{"zhang@qq.c", "", false},
		{"zhang@-qq.com", "", false},
		{"zhang@qq..com", "", false},
		{"zh ang@qq.com", "", false},
		{"zhang..wei@qq.com", "", false},
		{".zhang@qq.com", "", false},
		{"张三@qq.com", "", false},
		{"张三 <zhang@qq.com>", "", false},
		{"a@1.2.3.4", "", false},
		{strings.Repeat("a", 65) + "@qq.com", "", false},
	}
	for _, tt := range tests {
		got, ok := Email(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Email(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDate(t *testing.T) {
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-22", d(2026, 11, 22), true},
		{"2026/11/22", d(2026, 11, 22), true},
		{"2026.11.22", d(2026, 11, 22), true},
		{"2026年11月22日", d(2026, 11, 22), true},
		{"2026年1月5日", d(2026, 1, 5), true},
		{"20261122", d(2026, 11, 22), true},
		{"2026-1-5", d(2026, 1, 5), true},
		{"2026-11-22 00:00:00", d(2026, 11, 22), true},
		{"2026/11/22 8:30", d(2026, 11, 22), true},
		{"2026-11-22T08:30:00Z", d(2026, 11, 22), true},
		{"２０２６－１１－２２", d(2026, 11, 22), true},
		{"2024-02-29", d(2024, 2, 29), true},
		// Excel serials, 1900 date system with Excel's phantom 1900-02-29.
		{"46348", d(2026, 11, 22), true},
		{"46348.75", d(2026, 11, 22), true},
		{"1", d(1900, 1, 1), true},
		{"59", d(1900, 2, 28), true},
		{"61", d(1900, 3, 1), true},
		{"25569", d(1970, 1, 1), true},
		{"2958465", d(9999, 12, 31), true},
		{"60", time.Time{}, false},
		{"0", time.Time{}, false},
		{"2958466", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"2026-13-01", time.Time{}, false},
		{"2026-02-30", time.Time{}, false},
		{"2025-02-29", time.Time{}, false},
		{"2026-11-32", time.Time{}, false},
		{"20261322", time.Time{}, false},
		{"26-11-22", time.Time{}, false},
		{"22/11/2026", time.Time{}, false},
		{"2026-11", time.Time{}, false},
		{"2026-11-22 25:00", time.Time{}, false},
		{"2026-11-22 noon", time.Time{}, false},
		{"2026/11-22", time.Time{}, false},
		{"", time.Time{}, false},
		{"明天", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := Date(tt.in)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("Date(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExcelSerialMatchesExcelize(t *testing.T) {
	for _, n := range []int{1, 59, 61, 1000, 36526, 46348, 100000, 2958465} {
		got, ok := excelSerial(strconv.Itoa(n))
		want, err := excelize.ExcelDateToTime(float64(n), false)
		if err != nil || !ok || !got.Equal(want) {
			t.Errorf("excelSerial(%d) = %v, %v; excelize says %v (%v)", n, got, ok, want, err)
		}
	}
}

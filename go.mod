module github.com/gbpf/gbpf

go 1.26

package client

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
)

// FuzzHandleLines feeds arbitrary pool output, split into lines, to a
// client's line handling with two requests pending. Nothing may panic,
// and every pending request is answered at most once.
func FuzzHandleLines(f *testing.F) {
	seeds := []string{
		`{"id":1,"result":[[["mining.notify","x"]],"abcd0001",4],"error":null}`,
		`{"id":2,"result":true,"error":null}` + "\n" + `{"id":2,"result":true,"error":null}`,
		`{"id":"1","result":null,"error":[23,"low",null]}`,
		`{"id":1,"result":null,"error":{"code":1e300,"message":"x"}}`,
		`{"id":1,"error":"bad"}`,
		`{"id":null,"method":"mining.set_difficulty","params":[0.0001]}`,
		`{"id":null,"method":"mining.set_difficulty","params":[1e999]}`,
		notifyLine("a", true) + "\n" + notifyLine("b", false),
		`{"id":null,"method":"mining.notify","params":["a","00","","",[],"","","",true]}`,
		`{"id":null,"method":"mining.notify","params":[1,2,3,4,5,6,7,8,9]}`,
		`{"id":null,"method":"mining.set_extranonce","params":["01020304",4]}`,
		`{"id":null,"method":"mining.set_extranonce","params":["01",-1]}`,
		`{"id":3,"method":"client.get_version","params":null}`,
		`{"id":4,"method":"client.show_message","params":["hi"]}`,
		`{"id":5,"method":"mining.set_version_mask","params":["ffffffff"]}`,
		`{"id":null,"method":"client.reconnect","params":[]}`,
		`{"id":6,"method":"x.y","params":{}}`,
		"\r\n\r\n[]\nnull\n{}\n\"x\"\n{",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := newClient(Config{User: "u", VersionRolling: true}, nil)
		answered := map[uint64]int{}
		var ids []uint64
		for range 2 {
			id := c.nextID.Load() + 1
			_, err := c.request(context.Background(), "mining.submit", []any{"x"}, false, func(res json.RawMessage, err error) {
				answered[id]++
			})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		for _, line := range bytes.Split(data, []byte("\n")) {
			if c.handleLine(line) != nil {
				break
			}
			// Keep the write queue from filling up with replies.
			for len(c.out) > 0 {
				<-c.out
			}
			select {
			case u := <-c.jobs:
				if u.Work == nil || u.Job == nil || u.Difficulty <= 0 {
					t.Fatalf("bad update %+v", u)
				}
			default:
			}
		}
		c.teardown(ErrClosed)
		for _, id := range ids {
			if n := answered[id]; n != 1 {
				t.Fatalf("request %d answered %d times", id, n)
			}
		}
	})
}

// Set-associative, ASID-tagged TLB (the RTL twin of mmusim::Tlb, unified organisation).
//
// Entries live in Sets x Ways flops. Each held page size indexes the sets with its own page
// number (va >> page shift), so a lookup reads one set per held size and compares its ways;
// the first match, smallest size first and then lowest way, wins (Tlb::probe). Global entries
// match every ASID. A fill of a size the TLB does not hold is fractured into the largest held
// size below it; it refreshes the way already holding the same page and ASID, else takes the
// lowest invalid way, else the tree-PLRU victim (model/sim/replacement.h: node bits heap-
// numbered from 1, 0 = victim on the left; a hit or fill points every node on the way's path
// away from it; invalidation leaves the bits alone).
//
// Three request channels, one operation accepted per cycle, priority invalidate > fill >
// lookup. Lookup and fill answer with a one-cycle pulse the cycle after acceptance; an
// invalidation takes effect at the acceptance edge.
`include "mmu_assert.svh"

module mmu_tlb
  import mmu_pkg::*;
#(
  // Total entries.
  parameter int unsigned Entries   = 16,
  // Ways per set; Ways == Entries is fully associative. Entries / Ways must be a power of two,
  // and so must Ways (tree-PLRU).
  parameter int unsigned Ways      = 4,
  // Page sizes held, bit i for page_size_e i (4K, 64K, 2M, 1G); 4K is required.
  parameter logic [3:0]  PageSizes = 4'b1101
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // Lookup: translation of lookup_va_i for lookup_asid_i.
  input  logic                lookup_valid_i,
  output logic                lookup_ready_o,
  input  logic [VaBits-1:0]   lookup_va_i,
  input  logic [AsidBits-1:0] lookup_asid_i,
  // One cycle after a lookup is accepted.
  output logic                lookup_rsp_valid_o,
  output logic                lookup_hit_o,
  output logic [PaBits-1:0]   lookup_pa_o,     // valid on a hit
  output tlb_entry_t          lookup_entry_o,  // the entry hit: permissions, attributes, level
  output logic [$clog2(Ways > 1 ? Ways : 2)-1:0] lookup_way_o,

  // Fill: install the translation fill_entry_i for the address fill_va_i (its vpn is ignored).
  input  logic                fill_valid_i,
  output logic                fill_ready_o,
  input  logic [VaBits-1:0]   fill_va_i,
  input  tlb_entry_t          fill_entry_i,
  // One cycle after a fill is accepted.
  output logic                fill_rsp_valid_o,
  output logic [$clog2(Ways > 1 ? Ways : 2)-1:0] fill_way_o,
  output logic                fill_evicted_o,       // the policy replaced a valid entry
  output tlb_entry_t          fill_evicted_entry_o, // ...this one

  // Invalidation (TLBI).
  input  logic                inv_valid_i,
  output logic                inv_ready_o,
  input  tlb_inv_e            inv_kind_i,
  input  logic [VaBits-1:0]   inv_va_i,
  input  logic [AsidBits-1:0] inv_asid_i
);

  localparam int unsigned Sets       = Entries / (Ways > 0 ? Ways : 1);
  localparam int unsigned SetBits    = Sets > 1 ? $clog2(Sets) : 1;
  localparam int unsigned WayBits    = Ways > 1 ? $clog2(Ways) : 1;
  localparam int unsigned PlruLevels = $clog2(Ways > 1 ? Ways : 1);
  localparam int unsigned PlruBits   = Ways > 1 ? Ways - 1 : 1;
  localparam int unsigned IdxBits    = Entries > 1 ? $clog2(Entries) : 1;

  ////////////////////////////
  // Parameter legality     //
  ////////////////////////////

  // Rejected at elaboration, naming the parameter, so that a bad build configuration fails
  // when it is verilated rather than at the first odd result.
  if (Entries == 0) begin : g_bad_entries
    $fatal(1, "mmu_tlb: Entries (%0d) must be at least 1", Entries);
  end
  if (Ways == 0 || Ways > Entries) begin : g_bad_ways_range
    $fatal(1, "mmu_tlb: Ways (%0d) must be in [1, Entries (%0d)]", Ways, Entries);
  end
  if (Ways != 0 && (Ways & (Ways - 1)) != 0) begin : g_bad_ways_pow2
    $fatal(1, "mmu_tlb: Ways (%0d) must be a power of two (tree-PLRU)", Ways);
  end
  if (Ways != 0 && (Entries % Ways != 0 || (Sets & (Sets - 1)) != 0)) begin : g_bad_sets
    $fatal(1, "mmu_tlb: Entries / Ways (%0d / %0d) must be a power of two", Entries, Ways);
  end
  if (!PageSizes[Size4K]) begin : g_bad_page_sizes
    $fatal(1, "mmu_tlb: PageSizes (%b) must include 4K (bit 0)", PageSizes);
  end

  `MMU_ASSERT_INIT(WaysPow2_A, Ways != 0 && (Ways & (Ways - 1)) == 0)
  `MMU_ASSERT_INIT(SetsPow2_A, Sets != 0 && (Sets & (Sets - 1)) == 0 && Sets * Ways == Entries)
  `MMU_ASSERT_INIT(Holds4K_A, PageSizes[Size4K])

  ////////////////////////////
  // State                  //
  ////////////////////////////

  logic [Entries-1:0]             valid_q, valid_d;
  tlb_entry_t                     entry_q [Entries];
  logic [Sets-1:0][PlruBits-1:0]  plru_q;

  // Set of a page number for a page size: the low set bits of va >> page shift.
  function automatic logic [SetBits-1:0] set_of(logic [VpnBits-1:0] vpn, page_size_e size);
    return (Sets > 1) ? SetBits'(vpn >> (page_shift(size) - 12)) : '0;
  endfunction

  // Tree-PLRU: point every node on `way`'s path away from it.
  function automatic logic [PlruBits-1:0] plru_point_away(logic [PlruBits-1:0] bits,
                                                          logic [WayBits-1:0] way);
    int unsigned node;
    node = Ways + int'(way);
    for (int l = 0; l < int'(PlruLevels); l++) begin
      bits[(node >> 1) - 1] = ~node[0];
      node = node >> 1;
    end
    return bits;
  endfunction

  // Tree-PLRU: follow the node bits from the root to a leaf.
  function automatic logic [WayBits-1:0] plru_victim(logic [PlruBits-1:0] bits);
    int unsigned node;
    node = 1;
    for (int l = 0; l < int'(PlruLevels); l++) begin
      node = 2 * node + int'(bits[node - 1]);
    end
    return WayBits'(node - Ways);
  endfunction

  ////////////////////////////
  // Arbitration            //
  ////////////////////////////

  logic inv_req, fill_req, lookup_req;

  assign inv_ready_o    = 1'b1;
  assign fill_ready_o   = ~inv_valid_i;
  assign lookup_ready_o = ~inv_valid_i & ~fill_valid_i;
  assign inv_req        = inv_valid_i;
  assign fill_req       = fill_valid_i & fill_ready_o;
  assign lookup_req     = lookup_valid_i & lookup_ready_o;

  ////////////////////////////
  // Lookup                 //
  ////////////////////////////

  logic [VpnBits-1:0]           lookup_vpn;
  logic [3:0][SetBits-1:0]      lookup_set;
  logic [3:0][Ways-1:0]         lookup_match;
  logic                         lookup_hit;
  logic [IdxBits-1:0]           lookup_idx;
  logic [WayBits-1:0]           lookup_way;
  logic [SetBits-1:0]           lookup_hit_set;
  tlb_entry_t                   lookup_entry;
  logic [PaBits-1:0]            lookup_pa;

  assign lookup_vpn = lookup_va_i[VaBits-1:12];

  for (genvar s = 0; s < 4; s++) begin : g_lookup_sizes
    assign lookup_set[s] = set_of(lookup_vpn, page_size_e'(s));
    for (genvar w = 0; w < Ways; w++) begin : g_ways
      if (PageSizes[s]) begin : g_held
        logic [IdxBits-1:0] idx;
        assign idx = IdxBits'(lookup_set[s]) * IdxBits'(Ways) + IdxBits'(w);
        assign lookup_match[s][w] = valid_q[idx] && entry_q[idx].size == page_size_e'(s) &&
                                    entry_q[idx].vpn == (lookup_vpn & vpn_mask(page_size_e'(s))) &&
                                    (entry_q[idx].is_global || entry_q[idx].asid == lookup_asid_i);
      end else begin : g_not_held
        assign lookup_match[s][w] = 1'b0;
      end
    end
  end

  // First match: smallest size, then lowest way (Tlb::probe order).
  always_comb begin
    lookup_hit     = 1'b0;
    lookup_way     = '0;
    lookup_hit_set = '0;
    for (int s = 0; s < 4; s++) begin
      for (int w = 0; w < Ways; w++) begin
        if (!lookup_hit && lookup_match[s][w]) begin
          lookup_hit     = 1'b1;
          lookup_way     = WayBits'(w);
          lookup_hit_set = lookup_set[s];
        end
      end
    end
  end

  assign lookup_idx   = IdxBits'(lookup_hit_set) * IdxBits'(Ways) + IdxBits'(lookup_way);
  assign lookup_entry = entry_q[lookup_idx];
  // Output page number above the page size, input address below it.
  assign lookup_pa    = {(lookup_entry.ppn & vpn_mask(lookup_entry.size)) |
                         (lookup_vpn & ~vpn_mask(lookup_entry.size)), lookup_va_i[11:0]};

  ////////////////////////////
  // Fill                   //
  ////////////////////////////

  page_size_e          fill_size;
  tlb_entry_t          fill_new;
  logic [VpnBits-1:0]  fill_vpn;
  logic [SetBits-1:0]  fill_set;
  logic [Ways-1:0]     fill_same, fill_free;
  logic [WayBits-1:0]  fill_way;
  logic                fill_evict;
  logic [IdxBits-1:0]  fill_idx;

  assign fill_vpn = fill_va_i[VaBits-1:12];

  // The largest held size not above the translation's.
  always_comb begin
    fill_size = Size4K;
    for (int s = 1; s < 4; s++) begin
      if (PageSizes[s] && s <= int'(fill_entry_i.size)) fill_size = page_size_e'(s);
    end
  end

  // A fractured translation keeps the output page of the piece that covers fill_va_i.
  always_comb begin
    fill_new      = fill_entry_i;
    fill_new.size = fill_size;
    fill_new.vpn  = fill_vpn & vpn_mask(fill_size);
    fill_new.ppn  = ((fill_entry_i.ppn & vpn_mask(fill_entry_i.size)) |
                     (fill_vpn & ~vpn_mask(fill_entry_i.size))) & vpn_mask(fill_size);
  end

  assign fill_set = set_of(fill_vpn, fill_size);

  for (genvar w = 0; w < Ways; w++) begin : g_fill_ways
    logic [IdxBits-1:0] idx;
    assign idx = IdxBits'(fill_set) * IdxBits'(Ways) + IdxBits'(w);
    assign fill_same[w] = valid_q[idx] && entry_q[idx].size == fill_new.size &&
                          entry_q[idx].vpn == fill_new.vpn &&
                          entry_q[idx].is_global == fill_new.is_global &&
                          (fill_new.is_global || entry_q[idx].asid == fill_new.asid);
    assign fill_free[w] = ~valid_q[idx];
  end

  // Same page refreshed in place, else the lowest invalid way, else the PLRU victim.
  always_comb begin
    fill_way   = plru_victim(plru_q[fill_set]);
    fill_evict = 1'b1;
    for (int w = Ways - 1; w >= 0; w--) begin
      if (fill_free[w]) begin
        fill_way   = WayBits'(w);
        fill_evict = 1'b0;
      end
    end
    for (int w = Ways - 1; w >= 0; w--) begin
      if (fill_same[w]) begin
        fill_way   = WayBits'(w);
        fill_evict = 1'b0;
      end
    end
  end

  assign fill_idx = IdxBits'(fill_set) * IdxBits'(Ways) + IdxBits'(fill_way);

  ////////////////////////////
  // Invalidation           //
  ////////////////////////////

  logic [VpnBits-1:0] inv_vpn;

  assign inv_vpn = inv_va_i[VaBits-1:12];

  // Which entries a TLBI removes is decided in the valid flops' process below, under the TLBI:
  // as combinational logic the compare of every entry was evaluated on every cycle by a
  // simulator, TLBI or not.

  ////////////////////////////
  // Next state             //
  ////////////////////////////

  logic                plru_we;
  logic [SetBits-1:0]  plru_set;
  logic [PlruBits-1:0] plru_d;

  always_comb begin
    valid_d  = valid_q;
    plru_we  = 1'b0;
    plru_set = lookup_hit_set;
    plru_d   = plru_point_away(plru_q[lookup_hit_set], lookup_way);
    if (inv_req) begin
      valid_d = valid_q;  // cleared entry by entry in the flops' process
    end else if (fill_req) begin
      valid_d[fill_idx] = 1'b1;
      plru_we           = 1'b1;
      plru_set          = fill_set;
      plru_d            = plru_point_away(plru_q[fill_set], fill_way);
    end else if (lookup_req && lookup_hit) begin
      plru_we = 1'b1;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else if (inv_req) begin
      for (int i = 0; i < Entries; i++) begin
        case (inv_kind_i)  // full over tlb_inv_e
          InvVaAsid: begin
            if (entry_q[i].vpn == (inv_vpn & vpn_mask(entry_q[i].size)) &&
                (entry_q[i].is_global || entry_q[i].asid == inv_asid_i)) begin
              valid_q[i] <= 1'b0;
            end
          end
          InvVa: begin
            if (entry_q[i].vpn == (inv_vpn & vpn_mask(entry_q[i].size))) valid_q[i] <= 1'b0;
          end
          InvAsid: begin
            if (!entry_q[i].is_global && entry_q[i].asid == inv_asid_i) valid_q[i] <= 1'b0;
          end
          default: valid_q[i] <= 1'b0;
        endcase
      end
    end else begin
      valid_q <= valid_d;
    end
  end

  // The PLRU bits and the entry payload are arrays with one write port each, written as such
  // (index and enable) rather than as a whole-array next state: one set or one entry changes
  // per cycle, and a simulator need not copy the array every cycle.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      plru_q <= '0;
    end else if (plru_we) begin
      plru_q[plru_set] <= plru_d;
    end
  end

  // Entry payload: written on fill, not reset (valid_q qualifies it).
  always_ff @(posedge clk_i) begin
    if (fill_req) begin
      entry_q[fill_idx] <= fill_new;
    end
  end

  ////////////////////////////
  // Responses              //
  ////////////////////////////

  logic               lookup_rsp_valid_q, lookup_rsp_valid_d;
  logic               lookup_hit_q, lookup_hit_d;
  logic [PaBits-1:0]  lookup_pa_q, lookup_pa_d;
  tlb_entry_t         lookup_entry_q, lookup_entry_d;
  logic [WayBits-1:0] lookup_way_q, lookup_way_d;
  logic               fill_rsp_valid_q, fill_rsp_valid_d;
  logic [WayBits-1:0] fill_way_q, fill_way_d;
  logic               fill_evicted_q, fill_evicted_d;
  tlb_entry_t         fill_evicted_entry_q, fill_evicted_entry_d;

  // Results are held until the next operation of their kind.
  always_comb begin
    lookup_rsp_valid_d   = lookup_req;
    lookup_hit_d         = lookup_hit_q;
    lookup_pa_d          = lookup_pa_q;
    lookup_entry_d       = lookup_entry_q;
    lookup_way_d         = lookup_way_q;
    fill_rsp_valid_d     = fill_req;
    fill_way_d           = fill_way_q;
    fill_evicted_d       = fill_evicted_q;
    fill_evicted_entry_d = fill_evicted_entry_q;
    if (lookup_req) begin
      lookup_hit_d   = lookup_hit;
      lookup_pa_d    = lookup_pa;
      lookup_entry_d = lookup_entry;
      lookup_way_d   = lookup_way;
    end
    if (fill_req) begin
      fill_way_d           = fill_way;
      fill_evicted_d       = fill_evict;
      fill_evicted_entry_d = entry_q[fill_idx];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      lookup_rsp_valid_q   <= 1'b0;
      lookup_hit_q         <= 1'b0;
      lookup_pa_q          <= '0;
      lookup_entry_q       <= '0;
      lookup_way_q         <= '0;
      fill_rsp_valid_q     <= 1'b0;
      fill_way_q           <= '0;
      fill_evicted_q       <= 1'b0;
      fill_evicted_entry_q <= '0;
    end else begin
      lookup_rsp_valid_q   <= lookup_rsp_valid_d;
      lookup_hit_q         <= lookup_hit_d;
      lookup_pa_q          <= lookup_pa_d;
      lookup_entry_q       <= lookup_entry_d;
      lookup_way_q         <= lookup_way_d;
      fill_rsp_valid_q     <= fill_rsp_valid_d;
      fill_way_q           <= fill_way_d;
      fill_evicted_q       <= fill_evicted_d;
      fill_evicted_entry_q <= fill_evicted_entry_d;
    end
  end

  assign lookup_rsp_valid_o   = lookup_rsp_valid_q;
  assign lookup_hit_o         = lookup_hit_q;
  assign lookup_pa_o          = lookup_pa_q;
  assign lookup_entry_o       = lookup_entry_q;
  assign lookup_way_o         = lookup_way_q;
  assign fill_rsp_valid_o     = fill_rsp_valid_q;
  assign fill_way_o           = fill_way_q;
  assign fill_evicted_o       = fill_evicted_q;
  assign fill_evicted_entry_o = fill_evicted_entry_q;

  // fill_entry_i.vpn is replaced by fill_va_i's page number; fills and invalidations act on
  // whole pages, so the in-page offset of their addresses is not needed.
  logic unused_fill_vpn;
  logic unused_va_offsets;
  assign unused_fill_vpn   = ^fill_entry_i.vpn;
  assign unused_va_offsets = ^{fill_va_i[11:0], inv_va_i[11:0]};

  ////////////////////////////
  // Assertions             //
  ////////////////////////////

  // Translations arrive aligned to their size, as the walker produces them.
  `MMU_ASSERT(FillPpnAligned_A,
              !fill_req || (fill_entry_i.ppn & ~vpn_mask(fill_entry_i.size)) == '0)
  `MMU_ASSERT_KNOWN(LookupRspValidKnown_A, lookup_rsp_valid_o)
  `MMU_ASSERT_KNOWN(LookupHitKnown_A, lookup_rsp_valid_o ? lookup_hit_o : 1'b0)

endmodule

// The MMU: L1 ITLB, L1 DTLB, unified L2 TLB and the page-table walker joined as the model's
// Mmu does it (model/mmu/mmu.cpp, translate() and b_transport()):
//   - a VA with bits [63:48] set is a level-0 translation fault (no TTBR1 walks);
//   - look up the L1 TLB of the access (ITLB for fetches, DTLB otherwise); on a hit use it;
//   - else look up the L2 TLB; on a hit fill the L1 with the L2 entry;
//   - else walk; a walk fault (translation, access flag, external abort) is the answer; else
//     fill the L2 and then the L1 with the walked translation;
//   - check permissions on the entry (permission fault at the entry's level), then Device
//     alignment (alignment fault), and answer with the physical address and memory type, and
//     with the way each TLB fill took (Tlb::InsertResult::way; the victim when the set was
//     full), so that a checker compares replacement decisions and not only hits and misses.
// One translation at a time. TLB maintenance is accepted between translations (also in the
// cycle a translation is accepted: it applies first) and applies to all three TLBs one cycle
// after it was accepted, before any lookup of the next translation.
//
// No combinational logic between the ports and the design's core: a request, the regime
// registers, a TLBI and the response handshake go straight into flops (their muxing is in the
// always_ff blocks), and no output depends on an input in the same cycle, so a simulator needs
// to evaluate the TLBs' compare logic only at clock edges (Ibex registers its interfaces the same
// way). The walker's descriptor-memory inputs are the exception: mmu_ptw decodes a descriptor
// in the cycle it arrives. Handshake timing is as it would be with the logic on the ports: a
// translation takes the same cycles. Not modelled: the walk caches, the inclusive-L2
// back-invalidation and concurrent walks (the C++ side must be configured without them for a
// lock-step comparison).
`include "mmu_assert.svh"

module mmu_top
  import mmu_pkg::*;
#(
  // L1 instruction TLB: entries, ways, page sizes held (see mmu_tlb).
  parameter int unsigned ITlbEntries   = 16,
  parameter int unsigned ITlbWays      = 16,
  parameter logic [3:0]  ITlbPageSizes = 4'b1101,
  // L1 data TLB.
  parameter int unsigned DTlbEntries   = 16,
  parameter int unsigned DTlbWays      = 16,
  parameter logic [3:0]  DTlbPageSizes = 4'b1101,
  // Unified L2 TLB.
  parameter int unsigned L2TlbEntries  = 256,
  parameter int unsigned L2TlbWays     = 4,
  parameter logic [3:0]  L2TlbPageSizes = 4'b1101,
  // Hardware access-flag update in the walker (see mmu_ptw).
  parameter bit          HwAfUpdate    = 1'b0,
  // Widths of the fill-way responses: the L1 TLBs' (the wider of the two) and the L2's.
  localparam int unsigned L1WayBits    = way_port_bits(ITlbWays > DTlbWays ? ITlbWays : DTlbWays),
  localparam int unsigned L2WayBits    = way_port_bits(L2TlbWays)
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // Translation regime (MmuControl: TTBR0_EL1 base and ASID, MAIR_EL1), sampled per request.
  input  logic [PaBits-1:0]   ttbr_i,
  input  logic [AsidBits-1:0] asid_i,
  input  logic [63:0]         mair_i,

  // Translation requests.
  input  logic                req_valid_i,
  output logic                req_ready_o,
  input  logic [63:0]         req_va_i,
  input  access_e             req_access_i,
  input  priv_el_e            req_el_i,
  input  logic [6:0]          req_len_i,  // bytes, 1-64: Device accesses must be aligned to it

  // Translation result, held until accepted.
  output logic                rsp_valid_o,
  input  logic                rsp_ready_i,
  output logic [PaBits-1:0]   rsp_pa_o,
  output mem_type_e           rsp_mem_type_o,
  output logic [2:0]          rsp_attr_idx_o,
  output logic                rsp_l1_hit_o,     // AccessExt::tlb_hit
  output logic                rsp_l2_hit_o,
  output logic                rsp_walked_o,
  output fault_e              rsp_fault_o,
  output logic [1:0]          rsp_fault_level_o,  // 0 for faults without a level (alignment)
  output logic [31:0]         rsp_esr_o,
  // TLB fills the translation made: the L1 TLB of the access (ITLB for fetches, else DTLB) and
  // the L2, each with the way in its set (the refreshed, lowest invalid or tree-PLRU victim way).
  output logic                rsp_l1_filled_o,
  output logic [L1WayBits-1:0] rsp_l1_fill_way_o,
  output logic                rsp_l2_filled_o,
  output logic [L2WayBits-1:0] rsp_l2_fill_way_o,

  // TLB maintenance (TLBI), to all three TLBs.
  input  logic                inv_valid_i,
  output logic                inv_ready_o,
  input  tlb_inv_e            inv_kind_i,
  input  logic [VaBits-1:0]   inv_va_i,
  input  logic [AsidBits-1:0] inv_asid_i,

  // Walker descriptor memory port (see mmu_ptw).
  output logic                mem_req_valid_o,
  input  logic                mem_req_ready_i,
  output logic [PaBits-1:0]   mem_req_addr_o,
  output logic                mem_req_we_o,
  output logic [63:0]         mem_req_wdata_o,
  input  logic                mem_rsp_valid_i,
  input  logic [63:0]         mem_rsp_rdata_i,
  input  logic                mem_rsp_err_i
);

  typedef enum logic [2:0] {
    StIdle,
    StL1Lookup,
    StL2Lookup,
    StWalk,
    StL2Fill,
    StL1Fill,
    StRsp
  } state_e;

  ////////////////////////////
  // Parameter legality     //
  ////////////////////////////

  // Each TLB's geometry, checked here so that the message names the top-level parameter.
  localparam int unsigned CheckEntries [3] = '{ITlbEntries, DTlbEntries, L2TlbEntries};
  localparam int unsigned CheckWays    [3] = '{ITlbWays, DTlbWays, L2TlbWays};
  localparam logic [3:0]  CheckSizes   [3] = '{ITlbPageSizes, DTlbPageSizes, L2TlbPageSizes};
  localparam string       CheckNames   [3] = '{"ITlb", "DTlb", "L2Tlb"};

  for (genvar t = 0; t < 3; t++) begin : g_check_tlbs
    if (CheckWays[t] == 0 || CheckWays[t] > CheckEntries[t] ||
        (CheckWays[t] & (CheckWays[t] - 1)) != 0) begin : g_bad_ways
      $fatal(1, "mmu_top: %sWays (%0d) must be a power of two in [1, %sEntries (%0d)]",
             CheckNames[t], CheckWays[t], CheckNames[t], CheckEntries[t]);
    end else if (CheckEntries[t] % CheckWays[t] != 0 ||
                 ((CheckEntries[t] / CheckWays[t]) & (CheckEntries[t] / CheckWays[t] - 1)) != 0)
    begin : g_bad_sets
      $fatal(1, "mmu_top: %sEntries / %sWays (%0d / %0d) must be a power of two",
             CheckNames[t], CheckNames[t], CheckEntries[t], CheckWays[t]);
    end
    if (!CheckSizes[t][0]) begin : g_bad_sizes
      $fatal(1, "mmu_top: %sPageSizes (%b) must include 4K (bit 0)", CheckNames[t],
             CheckSizes[t]);
    end
  end

  // The TLBs in the arrays below.
  localparam int unsigned ITlb  = 0;
  localparam int unsigned DTlb  = 1;
  localparam int unsigned L2Tlb = 2;

  state_e              state_q /* verilator public_flat_rd */, state_d;
  logic                sent_q, sent_d;  // the current state's request was accepted
  // The request and the regime registers, loaded when a request is accepted.
  logic [VaBits-1:0]   va_q;
  access_e             access_q;
  priv_el_e            el_q;
  logic [6:0]          len_q;
  logic [AsidBits-1:0] asid_q;
  logic [PaBits-1:0]   ttbr_q;
  logic [63:0]         mair_q;
  tlb_entry_t          entry_q, entry_d;  // the translation found
  fault_e              fault_q, fault_d;  // VA-range or walk fault
  logic [1:0]          level_q, level_d;
  logic                l1_hit_q, l1_hit_d;
  logic                l2_hit_q, l2_hit_d;
  logic                walked_q, walked_d;
  logic                l1_filled_q, l1_filled_d;
  logic [L1WayBits-1:0] l1_fill_way_q, l1_fill_way_d;
  logic                l2_filled_q, l2_filled_d;
  logic [L2WayBits-1:0] l2_fill_way_q, l2_fill_way_d;

  ////////////////////////////
  // TLBs and walker        //
  ////////////////////////////

  logic [2:0]           tlb_lookup_valid, tlb_lookup_ready, tlb_lookup_rsp_valid, tlb_hit;
  logic [2:0]           tlb_fill_valid, tlb_fill_ready, tlb_fill_rsp_valid, tlb_inv_ready;
  tlb_entry_t           tlb_entry [3];
  localparam int unsigned TlbWayBits = L1WayBits > L2WayBits ? L1WayBits : L2WayBits;
  logic [TlbWayBits-1:0] tlb_fill_way [3];

  // A TLBI accepted at one edge is held here and applied to the TLBs at the next (TLB priority:
  // invalidate > fill > lookup, so a lookup of a request accepted with it waits a cycle).
  logic                inv_valid_q;
  tlb_inv_e            inv_kind_q;
  logic [VaBits-1:0]   inv_va_q;
  logic [AsidBits-1:0] inv_asid_q;

  assign inv_ready_o = (state_q == StIdle);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      inv_valid_q <= 1'b0;
      inv_kind_q  <= InvAll;
      inv_va_q    <= '0;
      inv_asid_q  <= '0;
    end else begin
      inv_valid_q <= inv_valid_i && state_q == StIdle;
      if (inv_valid_i && state_q == StIdle) begin
        inv_kind_q <= inv_kind_i;
        inv_va_q   <= inv_va_i;
        inv_asid_q <= inv_asid_i;
      end
    end
  end

  // Per-TLB parameters, indexed like the arrays above.
  localparam int unsigned TlbEntries [3] = '{ITlbEntries, DTlbEntries, L2TlbEntries};
  localparam int unsigned TlbWays    [3] = '{ITlbWays, DTlbWays, L2TlbWays};
  localparam logic [3:0]  TlbSizes   [3] = '{ITlbPageSizes, DTlbPageSizes, L2TlbPageSizes};

  for (genvar t = 0; t < 3; t++) begin : g_tlbs
    localparam int unsigned WayW = $clog2(TlbWays[t] > 1 ? TlbWays[t] : 2);
    logic [PaBits-1:0] unused_pa;
    logic [WayW-1:0]   unused_lookup_way;
    logic [WayW-1:0]   fill_way;
    logic              unused_fill_evicted;
    tlb_entry_t        unused_fill_evicted_entry;

    mmu_tlb #(
      .Entries  (TlbEntries[t]),
      .Ways     (TlbWays[t]),
      .PageSizes(TlbSizes[t])
    ) u_tlb (
      .clk_i,
      .rst_ni,
      .lookup_valid_i      (tlb_lookup_valid[t]),
      .lookup_ready_o      (tlb_lookup_ready[t]),
      .lookup_va_i         (va_q),
      .lookup_asid_i       (asid_q),
      .lookup_rsp_valid_o  (tlb_lookup_rsp_valid[t]),
      .lookup_hit_o        (tlb_hit[t]),
      .lookup_pa_o         (unused_pa),
      .lookup_entry_o      (tlb_entry[t]),
      .lookup_way_o        (unused_lookup_way),
      .fill_valid_i        (tlb_fill_valid[t]),
      .fill_ready_o        (tlb_fill_ready[t]),
      .fill_va_i           (va_q),
      .fill_entry_i        (entry_q),
      .fill_rsp_valid_o    (tlb_fill_rsp_valid[t]),
      .fill_way_o          (fill_way),
      .fill_evicted_o      (unused_fill_evicted),
      .fill_evicted_entry_o(unused_fill_evicted_entry),
      .inv_valid_i         (inv_valid_q),
      .inv_ready_o         (tlb_inv_ready[t]),
      .inv_kind_i          (inv_kind_q),
      .inv_va_i            (inv_va_q),
      .inv_asid_i          (inv_asid_q)
    );
    assign tlb_fill_way[t] = TlbWayBits'(fill_way);
  end

  logic               ptw_req_valid, ptw_req_ready, ptw_rsp_valid, ptw_entry_valid;
  tlb_entry_t         ptw_entry;
  fault_e             ptw_fault;
  logic [1:0]         ptw_fault_level;
  logic [31:0]        unused_ptw_esr;

  mmu_ptw #(
    .HwAfUpdate(HwAfUpdate)
  ) u_ptw (
    .clk_i,
    .rst_ni,
    .req_valid_i      (ptw_req_valid),
    .req_ready_o      (ptw_req_ready),
    .req_va_i         (va_q),
    .req_asid_i       (asid_q),
    .req_access_i     (access_q),
    .req_el_i         (el_q),
    .ttbr_i           (ttbr_q),
    .mair_i           (mair_q),
    .rsp_valid_o      (ptw_rsp_valid),
    .rsp_ready_i      (1'b1),
    .rsp_entry_valid_o(ptw_entry_valid),
    .rsp_entry_o      (ptw_entry),
    .rsp_fault_o      (ptw_fault),
    .rsp_fault_level_o(ptw_fault_level),
    .rsp_esr_o        (unused_ptw_esr),
    .mem_req_valid_o,
    .mem_req_ready_i,
    .mem_req_addr_o,
    .mem_req_we_o,
    .mem_req_wdata_o,
    .mem_rsp_valid_i,
    .mem_rsp_rdata_i,
    .mem_rsp_err_i
  );

  ////////////////////////////
  // Translation FSM        //
  ////////////////////////////

  logic [1:0] l1;  // the L1 TLB of the access
  assign l1 = (access_q == AccFetch) ? 2'(ITlb) : 2'(DTlb);

  // Requests to the TLBs and the walker: from the state alone, so that their ready signals
  // (which depend on the other requests) feed only the next-state logic.
  always_comb begin
    tlb_lookup_valid = '0;
    tlb_fill_valid   = '0;
    ptw_req_valid    = 1'b0;
    unique case (state_q)
      StL1Lookup: tlb_lookup_valid[l1]    = ~sent_q;
      StL2Lookup: tlb_lookup_valid[L2Tlb] = ~sent_q;
      StWalk:     ptw_req_valid           = ~sent_q;
      StL2Fill:   tlb_fill_valid[L2Tlb]   = ~sent_q;
      StL1Fill:   tlb_fill_valid[l1]      = ~sent_q;
      default:    ;
    endcase
  end

  always_comb begin
    state_d  = state_q;
    sent_d   = sent_q;
    entry_d  = entry_q;
    fault_d  = fault_q;
    level_d  = level_q;
    l1_hit_d = l1_hit_q;
    l2_hit_d = l2_hit_q;
    walked_d = walked_q;
    l1_filled_d   = l1_filled_q;
    l1_fill_way_d = l1_fill_way_q;
    l2_filled_d   = l2_filled_q;
    l2_fill_way_d = l2_fill_way_q;

    unique case (state_q)
      StIdle: ;  // a request is taken in the always_ff below, straight from the ports

      StL1Lookup: begin
        if (tlb_lookup_valid[l1] && tlb_lookup_ready[l1]) sent_d = 1'b1;
        if (sent_q && tlb_lookup_rsp_valid[l1]) begin
          sent_d = 1'b0;
          if (tlb_hit[l1]) begin
            entry_d  = tlb_entry[l1];
            l1_hit_d = 1'b1;
            state_d  = StRsp;
          end else begin
            state_d = StL2Lookup;
          end
        end
      end

      StL2Lookup: begin
        if (tlb_lookup_valid[L2Tlb] && tlb_lookup_ready[L2Tlb]) sent_d = 1'b1;
        if (sent_q && tlb_lookup_rsp_valid[L2Tlb]) begin
          sent_d = 1'b0;
          if (tlb_hit[L2Tlb]) begin
            entry_d  = tlb_entry[L2Tlb];
            l2_hit_d = 1'b1;
            state_d  = StL1Fill;
          end else begin
            state_d = StWalk;
          end
        end
      end

      StWalk: begin
        walked_d = 1'b1;
        if (ptw_req_valid && ptw_req_ready) sent_d = 1'b1;
        if (sent_q && ptw_rsp_valid) begin
          sent_d  = 1'b0;
          entry_d = ptw_entry;
          if (ptw_entry_valid) begin
            state_d = StL2Fill;  // a permission fault is decided on the entry, after the fills
          end else begin
            fault_d = ptw_fault;
            level_d = ptw_fault_level;
            state_d = StRsp;
          end
        end
      end

      StL2Fill: begin
        if (tlb_fill_valid[L2Tlb] && tlb_fill_ready[L2Tlb]) sent_d = 1'b1;
        if (sent_q && tlb_fill_rsp_valid[L2Tlb]) begin
          sent_d        = 1'b0;
          l2_filled_d   = 1'b1;
          l2_fill_way_d = L2WayBits'(tlb_fill_way[L2Tlb]);
          state_d       = StL1Fill;
        end
      end

      StL1Fill: begin
        if (tlb_fill_valid[l1] && tlb_fill_ready[l1]) sent_d = 1'b1;
        if (sent_q && tlb_fill_rsp_valid[l1]) begin
          sent_d        = 1'b0;
          l1_filled_d   = 1'b1;
          l1_fill_way_d = L1WayBits'(tlb_fill_way[l1]);
          state_d       = StRsp;
        end
      end

      StRsp: ;  // left in the always_ff below when rsp_ready_i is high

      default: state_d = StIdle;
    endcase
  end

  // Ready for a request whenever idle (a TLBI offered in the same cycle applies first).
  assign req_ready_o = (state_q == StIdle);

  // The next state: state_d from the FSM above, except where a port decides it. A request is
  // taken into the flops here, at the edge, so that no logic between the ports and the TLBs is
  // evaluated in between.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q  <= StIdle;
      sent_q   <= 1'b0;
      va_q     <= '0;
      access_q <= AccRead;
      el_q     <= PrivEl0;
      len_q    <= '0;
      asid_q   <= '0;
      ttbr_q   <= '0;
      mair_q   <= '0;
      entry_q  <= '0;
      fault_q  <= FaultNone;
      level_q  <= '0;
      l1_hit_q <= 1'b0;
      l2_hit_q <= 1'b0;
      walked_q <= 1'b0;
      l1_filled_q   <= 1'b0;
      l1_fill_way_q <= '0;
      l2_filled_q   <= 1'b0;
      l2_fill_way_q <= '0;
    end else begin
      state_q  <= state_d;
      sent_q   <= sent_d;
      entry_q  <= entry_d;
      fault_q  <= fault_d;
      level_q  <= level_d;
      l1_hit_q <= l1_hit_d;
      l2_hit_q <= l2_hit_d;
      walked_q <= walked_d;
      l1_filled_q   <= l1_filled_d;
      l1_fill_way_q <= l1_fill_way_d;
      l2_filled_q   <= l2_filled_d;
      l2_fill_way_q <= l2_fill_way_d;
      if (state_q == StIdle && req_valid_i) begin
        va_q        <= req_va_i[VaBits-1:0];
        access_q    <= req_access_i;
        el_q        <= req_el_i;
        len_q       <= req_len_i;
        asid_q      <= asid_i;
        ttbr_q      <= ttbr_i;
        mair_q      <= mair_i;
        level_q     <= '0;
        l1_hit_q    <= 1'b0;
        l2_hit_q    <= 1'b0;
        walked_q    <= 1'b0;
        sent_q      <= 1'b0;
        l1_filled_q <= 1'b0;
        l2_filled_q <= 1'b0;
        if (req_va_i[63:VaBits] != '0) begin
          fault_q <= FaultTranslation;  // outside the TTBR0 range, TTBR1 walks disabled
          state_q <= StRsp;
        end else begin
          fault_q <= FaultNone;
          state_q <= StL1Lookup;
        end
      end
      if (state_q == StRsp && rsp_ready_i) state_q <= StIdle;
    end
  end

  ////////////////////////////
  // Result                 //
  ////////////////////////////

  fault_e     fault;
  logic [1:0] fault_level;
  logic       misaligned;

  // Device memory must be accessed aligned to the access size (va & (len - 1), as the model).
  assign misaligned = (va_q[6:0] & (len_q - 7'd1)) != '0;

  always_comb begin
    fault       = fault_q;
    fault_level = level_q;
    if (fault_q == FaultNone) begin
      if (!permits(entry_q.perm, access_q, el_q)) begin
        fault       = FaultPermission;
        fault_level = entry_q.level;
      end else if (entry_q.mem_type inside {MemDevNGnRnE, MemDevNGnRE, MemDevNGRE, MemDevGRE} &&
                   misaligned) begin
        fault       = FaultAlignment;
        fault_level = '0;
      end
    end
  end

  assign rsp_valid_o       = (state_q == StRsp);
  assign rsp_pa_o          = {(entry_q.ppn & vpn_mask(entry_q.size)) |
                              (va_q[VaBits-1:12] & ~vpn_mask(entry_q.size)), va_q[11:0]};
  assign rsp_mem_type_o    = entry_q.mem_type;
  assign rsp_attr_idx_o    = entry_q.attr_idx;
  assign rsp_l1_hit_o      = l1_hit_q;
  assign rsp_l2_hit_o      = l2_hit_q;
  assign rsp_walked_o      = walked_q;
  assign rsp_fault_o       = fault;
  assign rsp_fault_level_o = fault_level;
  assign rsp_esr_o         = esr(fault, fault_level, access_q, el_q);
  assign rsp_l1_filled_o   = l1_filled_q;
  assign rsp_l1_fill_way_o = l1_fill_way_q;
  assign rsp_l2_filled_o   = l2_filled_q;
  assign rsp_l2_fill_way_o = l2_fill_way_q;

  // The TLBs' maintenance channels are always ready; their PAs, hit ways and victims are not
  // needed here (the PA is formed from the entry kept for the permission check).
  logic unused_top;
  assign unused_top = ^{tlb_inv_ready, ptw_fault == FaultPermission};

  ////////////////////////////
  // Assertions             //
  ////////////////////////////

  // A TLBI reaches the TLBs only between translations or before the first lookup of one.
  `MMU_ASSERT(InvOnlyWhenIdle_A, !inv_valid_q || state_q inside {StIdle, StL1Lookup, StRsp})
  `MMU_ASSERT_KNOWN(RspValidKnown_A, rsp_valid_o)
  // An L1 hit fills nothing; only a walk fills the L2.
  `MMU_ASSERT(NoFillOnL1Hit_A,
              !rsp_valid_o || !rsp_l1_hit_o || !(rsp_l1_filled_o || rsp_l2_filled_o))
  `MMU_ASSERT(L2FillOnlyAfterWalk_A, !rsp_valid_o || !rsp_l2_filled_o || rsp_walked_o)

endmodule
